// A Beast request body for delta uploads: the literal blocks it receives
// go to a delta_writer, which rebuilds the whole new version from the
// base object and hashes it on the way. Internal to net/*.cpp: it pulls in
// Beast, so no public header may include it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <boost/system/error_code.hpp>

#include "storage/block_delta.h"

namespace syncer {

struct delta_file_body {
  struct value_type {
    std::shared_ptr<delta_writer> writer = std::make_shared<delta_writer>();
    std::string error;  // why put() stopped, in one sentence
  };

  class reader {
   public:
    template <bool is_request, class Fields>
    reader(boost::beast::http::header<is_request, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      std::size_t total = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers);
           ++it) {
        boost::asio::const_buffer b = *it;
        if (!body_.writer->put(b.data(), b.size(), &body_.error)) {
          ec = boost::system::errc::make_error_code(boost::system::errc::invalid_argument);
          return total;
        }
        total += b.size();
      }
      return total;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace syncer
