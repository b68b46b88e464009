#include "storage/ignore_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/sync_root.h"

namespace syncer {
namespace {

class disk_ignore_files final : public ignore_file_reader {
 public:
  explicit disk_ignore_files(std::shared_ptr<sync_root> root) : root_(std::move(root)) {}

  std::string stamp(const std::string& rel_file) override {
    struct stat st {};
    if (!root_ || root_->lstat(rel_file, &st) != 0 || !S_ISREG(st.st_mode)) return {};
    return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
  }

  bool read(const std::string& rel_file, std::string* out) override {
    unique_fd fd;
    if (!root_ || root_->open_file(rel_file, O_RDONLY, 0, &fd) != 0) return false;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    out->clear();
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) return false;
      if (n == 0) break;
      out->append(buf, static_cast<size_t>(n));
    }
    return true;
  }

 private:
  std::shared_ptr<sync_root> root_;
};

}  // namespace

std::shared_ptr<ignore_file_reader> ignore_files_in(const std::string& root) {
  return std::make_shared<disk_ignore_files>(sync_root::open(root, nullptr));
}

}  // namespace syncer
