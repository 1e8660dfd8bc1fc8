// A Display P3 ICC profile made with lcms2 (DCI-P3 primaries, D65 white, the sRGB transfer
// curve), and lcms2's own conversion of one pixel from it to sRGB: what the decoders must give.
#pragma once

#include <lcms2.h>
#include <catch2/catch.hpp>
#include <opencv2/core.hpp>

#include <string>

inline std::string save_profile(cmsHPROFILE profile) {
    cmsUInt32Number size = 0;
    REQUIRE(cmsSaveProfileToMem(profile, nullptr, &size));
    std::string out(size, '\0');
    REQUIRE(cmsSaveProfileToMem(profile, out.data(), &size));
    cmsCloseProfile(profile);
    return out;
}

inline std::string display_p3_profile() {
    const cmsCIExyY white = {0.3127, 0.3290, 1.0};
    const cmsCIExyYTRIPLE primaries = {{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}};
    const cmsFloat64Number srgb_curve[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
    cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, srgb_curve);
    cmsToneCurve* curves[3] = {curve, curve, curve};
    cmsHPROFILE p = cmsCreateRGBProfile(&white, &primaries, curves);
    cmsFreeToneCurve(curve);
    return save_profile(p);
}

// lcms2's conversion of one RGB pixel from `icc` to sRGB.
inline cv::Vec3b expected_srgb(const std::string& icc, cv::Vec3b rgb) {
    cmsHPROFILE src = cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size()));
    cmsHPROFILE srgb = cmsCreate_sRGBProfile();
    cmsHTRANSFORM t = cmsCreateTransform(src, TYPE_RGB_8, srgb, TYPE_RGB_8, INTENT_PERCEPTUAL, 0);
    cv::Vec3b out;
    cmsDoTransform(t, rgb.val, out.val, 1);
    cmsDeleteTransform(t);
    cmsCloseProfile(src);
    cmsCloseProfile(srgb);
    return out;
}
