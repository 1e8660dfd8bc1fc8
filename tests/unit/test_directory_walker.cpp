#include "img2music/directory_walker.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace img2music;
namespace fs = std::filesystem;

namespace {

struct TempTree {
    fs::path root;
    TempTree() {
        std::string pattern = (fs::temp_directory_path() / "img2music-walk-XXXXXX").string();
        root = ::mkdtemp(pattern.data());
    }
    ~TempTree() { fs::remove_all(root); }
    void file(const std::string& rel, const std::string& content = "x") {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel, std::ios::binary) << content;
    }
};

std::vector<std::string> walk(const fs::path& root, bool recursive) {
    DirectoryWalker w(root.string(), recursive);
    std::vector<std::string> out;
    while (auto in = w.next()) {
        std::string rel = fs::path(in->path).lexically_relative(root).string();
        out.push_back(in->error ? rel + " ! " + *in->error : rel);
    }
    return out;
}

}  // namespace

TEST_CASE("Walker: sorted, image extensions case-insensitively, other files skipped") {
    TempTree t;
    for (const char* f : {"b.JPG", "a.png", "c.txt", "d.jpeg", "e.WebP", "notes", "z.tiff", "sub/inner.jpg"}) t.file(f);
    CHECK(walk(t.root, false) == std::vector<std::string>{"a.png", "b.JPG", "d.jpeg", "e.WebP", "z.tiff"});
    CHECK(walk(t.root, true) == std::vector<std::string>{"a.png", "b.JPG", "d.jpeg", "e.WebP", "sub/inner.jpg", "z.tiff"});
}

TEST_CASE("Walker: files are listed by content first, then by name") {
    TempTree t;
    const std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    const std::string jpeg("\xFF\xD8\xFF\xE0\0\x10JFIF", 10);
    t.file("camera.dat", png);  // no extension it knows: the content decides
    t.file("export", jpeg);     // no extension at all
    t.file("notes.txt", "nothing to see here, just text");
    t.file("clip.bin", std::string("\0\0\0\x18"
                                   "ftypmp42",
                                   12));
    t.file("short.jpg", "x");  // says nothing: the name decides
    DirectoryWalker w(t.root.string(), false);
    std::vector<std::pair<std::string, MediaKind>> found;
    while (auto in = w.next()) found.emplace_back(fs::path(in->path).filename().string(), in->kind.value_or(MediaKind::Other));
    CHECK(found == std::vector<std::pair<std::string, MediaKind>>{{"camera.dat", MediaKind::Image},
                                                                  {"clip.bin", MediaKind::Video},
                                                                  {"export", MediaKind::Image},
                                                                  {"short.jpg", MediaKind::Image}});
}

TEST_CASE("Walker: symlink loops and dangling links are reported, the walk goes on") {
    TempTree t;
    t.file("a/one.jpg");
    t.file("b/two.png");
    fs::create_directory_symlink(t.root / "a", t.root / "a" / "loop");
    fs::create_symlink(t.root / "missing.jpg", t.root / "b" / "dangling.jpg");
    const auto out = walk(t.root, true);
    REQUIRE(out.size() == 4);
    CHECK(out[0] == "a/loop ! symbolic link loop (already visiting " + (t.root / "a").string() + ")");
    CHECK(out[1] == "a/one.jpg");
    CHECK(out[2] == "b/dangling.jpg ! No such file or directory");
    CHECK(out[3] == "b/two.png");
}

TEST_CASE("Walker: empty directories and bad roots say so") {
    TempTree t;
    t.file("deep/x.jpg");
    t.file("deeper/y.jpg");
    CHECK(walk(t.root, false) == std::vector<std::string>{". ! no images or videos found (not recursive: 2 subdirectories not searched)"});
    DirectoryWalker missing((t.root / "nope").string(), false);
    const auto in = missing.next();
    REQUIRE(in.has_value());
    CHECK(in->error == "No such file or directory");
    CHECK_FALSE(missing.next().has_value());
    CHECK(has_image_extension("a/B.JPEG"));
    CHECK_FALSE(has_image_extension("a.jpg/readme"));
    CHECK_FALSE(has_image_extension("movie.mp4"));
}

TEST_CASE("Natural order: frame numbers compare as numbers") {
    std::vector<std::string> names = {"f10.png", "f2.png", "f1.png", "f02.png", "frame_100.jpg", "frame_99.jpg", "a.png", "f1b.png"};
    std::sort(names.begin(), names.end(), natural_less);
    CHECK(names == std::vector<std::string>{"a.png", "f1.png", "f1b.png", "f02.png", "f2.png", "f10.png", "frame_99.jpg", "frame_100.jpg"});
    CHECK_FALSE(natural_less("x", "x"));
    CHECK(natural_less("x9", "x10"));
    CHECK_FALSE(natural_less("x10", "x9"));
}

TEST_CASE("Media extensions: images and videos, any case") {
    CHECK(has_media_extension("a/b.JPG"));
    CHECK(has_media_extension("clip.MoV"));
    CHECK_FALSE(has_media_extension("notes.txt"));
    CHECK_FALSE(has_image_extension("clip.mp4"));
}
