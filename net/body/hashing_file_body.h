// A Beast body that writes what it receives to a file AND hashes it on
// the way, so the receiver (the hub for uploads, a client for downloads)
// knows the SHA-256 of the bytes without reading the file again. Internal
// to net/*.cpp: it pulls in Beast, so no public header may include it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include "storage/sha256.h"

namespace syncer {

struct hashing_file_body {
  struct value_type {
    boost::beast::file file;
    std::shared_ptr<sha256_stream> hash = std::make_shared<sha256_stream>();
    uint64_t received = 0;  // bytes written by this body (not counting what the file held before)
    // When set, bytes written so far, published after every write: the
    // hub streams an upload still in progress to other clients from it.
    std::shared_ptr<std::atomic<uint64_t>> progress;
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
        auto n = body_.file.write(b.data(), b.size(), ec);
        if (ec) return total;
        body_.hash->update(b.data(), n);
        body_.received += n;
        total += n;
      }
      if (body_.progress) body_.progress->store(body_.received, std::memory_order_release);
      return total;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace syncer
