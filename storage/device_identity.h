// A node's identity (BRIEF §9): an ECDSA P-256 key pair and a self-signed
// certificate, made on first use in a folder (hub: its data dir; client:
// .syncer/ of its sync folder) as key.pem (mode 0600) and cert.pem (0600).
// The device ID is the SHA-256 fingerprint of the certificate's DER bytes
// in the form of actors/rules/device_id.h.
//
// Crash safety: both files are written to temporary names, fsynced and
// renamed, key first; a folder with a certificate but no key is an error
// (never silently replaced: the ID would change and every peer that
// pinned it would refuse this node).
#pragma once

#include <optional>
#include <string>

namespace syncer {

struct device_identity {
  std::string cert_file;
  std::string key_file;
  std::string device_id;
};

// Loads the identity in `dir`, making it first when there is none.
// nullopt + one sentence in `error` on failure.
std::optional<device_identity> load_or_create_identity(const std::string& dir, std::string* error);

// The device ID of a PEM certificate file (nullopt when unreadable).
std::optional<std::string> device_id_of_cert_file(const std::string& cert_file, std::string* error);

// The device ID of a DER-encoded certificate.
std::string device_id_of_der(const unsigned char* der, size_t size);

}  // namespace syncer
