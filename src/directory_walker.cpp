#include "img2music/directory_walker.hpp"

#include "file_util.hpp"
#include "img2music/media.hpp"
#include "img2music/video.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace img2music {
namespace {

constexpr std::array<const char*, 16> kImageExtensions = {".jpg", ".jpeg", ".jpe",  ".png",  ".webp", ".bmp", ".tif", ".tiff",
                                                          ".gif", ".heic", ".heif", ".avif", ".pgm",  ".ppm", ".pbm", ".pnm"};

struct OpenDirectory {
    std::string path;
    std::vector<std::string> names;  // sorted
    std::size_t next = 0;
    std::pair<dev_t, ino_t> id{};
};

std::string join(const std::string& dir, const std::string& name) {
    return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace

bool has_image_extension(const std::string& path) {
    const std::string ext = lower_extension(path);
    return std::find_if(kImageExtensions.begin(), kImageExtensions.end(), [&](const char* e) { return ext == e; }) !=
           kImageExtensions.end();
}

bool has_media_extension(const std::string& path) { return has_image_extension(path) || has_video_extension(path); }

bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    std::size_t j = 0;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            // Compare the runs of digits as numbers: skip leading zeros, then longer is larger.
            std::size_t ai = i;
            std::size_t bj = j;
            while (ai < a.size() && a[ai] == '0') ++ai;
            while (bj < b.size() && b[bj] == '0') ++bj;
            std::size_t ae = ai;
            std::size_t be = bj;
            while (ae < a.size() && digit(a[ae])) ++ae;
            while (be < b.size() && digit(b[be])) ++be;
            if (ae - ai != be - bj) return ae - ai < be - bj;
            const int c = a.compare(ai, ae - ai, b, bj, be - bj);
            if (c != 0) return c < 0;
            i = ae;
            j = be;
            continue;
        }
        if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
        ++i;
        ++j;
    }
    if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
    return a < b;  // equal by number (e.g. "f01" and "f1"): fall back on bytes so the order is total
}

struct DirectoryWalker::State {
    std::string root;
    bool recursive = false;
    std::size_t images = 0;           // found so far
    std::size_t skipped_subdirs = 0;  // not descended into (not recursive)
    bool root_failed = false;
    std::vector<OpenDirectory> stack;  // the current path from the root
    std::optional<Input> pending;      // a failure found while opening, reported next

    // Reads and sorts a directory's entries; on failure returns the reason.
    std::optional<std::string> open(const std::string& path, const struct stat& info) {
        for (const OpenDirectory& d : stack) {
            if (d.id == std::make_pair(info.st_dev, info.st_ino))
                return std::string("symbolic link loop (already visiting ") + d.path + ")";
        }
        DIR* dir = ::opendir(path.c_str());
        if (dir == nullptr) return std::string(std::strerror(errno));
        OpenDirectory entry;
        entry.path = path;
        entry.id = {info.st_dev, info.st_ino};
        errno = 0;
        while (const dirent* e = ::readdir(dir)) {
            const std::string name = e->d_name;
            if (name != "." && name != "..") entry.names.push_back(name);
        }
        const int read_errno = errno;
        ::closedir(dir);
        if (read_errno != 0) return std::string(std::strerror(read_errno));
        std::sort(entry.names.begin(), entry.names.end());
        stack.push_back(std::move(entry));
        return std::nullopt;
    }
};

DirectoryWalker::DirectoryWalker(const std::string& root, bool recursive) : state_(std::make_unique<State>()) {
    state_->recursive = recursive;
    state_->root = root;
    state_->root_failed = true;
    struct stat info {};
    if (::stat(root.c_str(), &info) != 0) {
        state_->pending = Input{root, std::string(std::strerror(errno))};
    } else if (!S_ISDIR(info.st_mode)) {
        state_->pending = Input{root, std::string("not a directory")};
    } else if (auto failure = state_->open(root, info)) {
        state_->pending = Input{root, std::move(failure)};
    } else {
        state_->root_failed = false;
    }
}

DirectoryWalker::~DirectoryWalker() = default;

std::optional<Input> DirectoryWalker::next() {
    State& s = *state_;
    for (;;) {
        if (s.pending) {
            std::optional<Input> out = std::move(s.pending);
            s.pending.reset();
            return out;
        }
        if (s.stack.empty()) {
            // Saying nothing about a directory without images would look like success.
            if (s.images == 0 && !s.root_failed) {
                s.root_failed = true;
                std::string reason = "no images or videos found";
                if (s.skipped_subdirs > 0)
                    reason += " (not recursive: " + std::to_string(s.skipped_subdirs) +
                              (s.skipped_subdirs == 1 ? " subdirectory" : " subdirectories") + " not searched)";
                return Input{s.root, std::move(reason)};
            }
            return std::nullopt;
        }
        OpenDirectory& top = s.stack.back();
        if (top.next >= top.names.size()) {
            s.stack.pop_back();
            continue;
        }
        const std::string path = join(top.path, top.names[top.next++]);
        struct stat info {};
        if (::stat(path.c_str(), &info) != 0) {
            // A dangling link or a vanished entry matters only if it looked like an image.
            if (has_media_extension(path)) return Input{path, std::string(std::strerror(errno))};
            continue;
        }
        if (S_ISDIR(info.st_mode)) {
            if (!s.recursive) {
                ++s.skipped_subdirs;
                continue;
            }
            if (auto failure = s.open(path, info)) return Input{path, std::move(failure)};
            continue;
        }
        // Detected once, here: by content, then (a file too short or unreadable) by name.
        const MediaKind kind = media_kind_of_file(path);
        if (kind != MediaKind::Other) {
            ++s.images;
            Input found{path, std::nullopt};
            found.kind = kind;
            return found;
        }
    }
}

}  // namespace img2music
