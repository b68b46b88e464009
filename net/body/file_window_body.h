// A Beast body that sends a window of a file in 256 KiB blocks (Beast's
// own file_body reads 4 KiB at a time: 16K syscalls for 64 MiB). Used for
// downloads (hub) and uploads (client). Internal to net/*.cpp: it pulls
// in Beast, so no public header may include it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace syncer {

struct file_window_body {
  struct value_type {
    boost::beast::file file;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  static uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool is_request, class Fields>
    writer(boost::beast::http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) {
      ec = {};
      remaining_ = body_.length;
      if (remaining_ == 0) return;  // empty file: nothing opened, nothing read
      block_.resize(static_cast<size_t>(std::min<uint64_t>(remaining_, 256 * 1024)));
      body_.file.seek(body_.offset, ec);
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      auto n = body_.file.read(block_.data(), static_cast<size_t>(std::min<uint64_t>(block_.size(), remaining_)), ec);
      if (ec) return boost::none;
      if (n == 0) {  // the object file is shorter than its metadata says
        ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
        return boost::none;
      }
      remaining_ -= n;
      return {{const_buffers_type(block_.data(), n), remaining_ > 0}};
    }

   private:
    value_type& body_;
    uint64_t remaining_ = 0;
    std::vector<char> block_;
  };
};

}  // namespace syncer
