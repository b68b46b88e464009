// Device IDs (BRIEF §9): the human-friendly form of a certificate's
// SHA-256 fingerprint, as Syncthing writes it. Pure formatting and checks,
// no I/O, no crypto: the caller hashes the certificate.
//
//   fingerprint (32 bytes) -> base32 (RFC 4648, no padding: 52 chars)
//   -> 4 groups of 13, each followed by a Luhn mod 32 check character
//   -> 56 characters, written as 8 groups of 7 joined by '-' (63 chars).
//
// parse_device_id accepts what a person types: lower case, spaces or no
// dashes, and the look-alikes 0/1/8 for O/I/B; it refuses a wrong length,
// a character outside the alphabet, or a check character that does not
// match (one mistyped character is always caught).
//
// The client id of a device (its key in version vectors and X-Client-Id)
// is the first 16 base32 characters of the fingerprint: 80 bits, so no
// device can make a certificate whose id collides with another's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace syncer {

using fingerprint = std::array<uint8_t, 32>;

// The canonical 63-character device ID of a fingerprint.
std::string device_id_from_fingerprint(const fingerprint& fp);

// The canonical form of a typed device ID, or nullopt + one sentence in `error`.
std::optional<std::string> parse_device_id(std::string_view text, std::string* error);

// The client id bound to a (canonical) device ID; empty when it is not one.
std::string device_client_id(const std::string& device_id);

// The first group of a device ID, for logs and lists ("ABCDEFG").
std::string short_device_id(const std::string& device_id);

// The Luhn mod 32 check character of `group` (base32 characters).
char luhn32_check(std::string_view group);

}  // namespace syncer
