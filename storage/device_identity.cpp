#include "storage/device_identity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "actors/rules/device_id.h"

namespace syncer {
namespace {

struct bio_free {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct pkey_free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};

bool exists(const std::string& file) {
  struct stat st;
  return ::stat(file.c_str(), &st) == 0;
}

// Writes `bytes` to `file` (mode 0600) by a temp file, fsync and rename.
bool write_private(const std::string& file, const std::string& bytes, std::string* error) {
  std::string tmp = file + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    *error = "cannot write " + tmp + ": " + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, 0600);  // an old temp file may have had other bits
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = "cannot write " + tmp + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    *error = "cannot write " + file + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

bool create_identity(const std::string& key_file, const std::string& cert_file, std::string* error) {
  std::unique_ptr<EVP_PKEY, pkey_free> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::unique_ptr<X509, x509_free> cert(X509_new());
  if (!key || !cert) {
    *error = "cannot make a key pair (OpenSSL)";
    return false;
  }
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600);
  X509_time_adj_ex(X509_getm_notAfter(cert.get()), 100 * 365, 0, nullptr);  // identities do not expire
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("syncer"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    *error = "cannot sign the certificate (OpenSSL)";
    return false;
  }
  std::unique_ptr<BIO, bio_free> key_pem(BIO_new(BIO_s_mem())), cert_pem(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ||
      !PEM_write_bio_X509(cert_pem.get(), cert.get())) {
    *error = "cannot encode the key pair (OpenSSL)";
    return false;
  }
  return write_private(key_file, bio_string(key_pem.get()), error) &&
         write_private(cert_file, bio_string(cert_pem.get()), error);
}

}  // namespace

std::string device_id_of_der(const unsigned char* der, size_t size) {
  fingerprint fp;
  SHA256(der, size, fp.data());
  return device_id_from_fingerprint(fp);
}

std::optional<std::string> device_id_of_cert_file(const std::string& cert_file, std::string* error) {
  std::unique_ptr<BIO, bio_free> in(BIO_new_file(cert_file.c_str(), "r"));
  std::unique_ptr<X509, x509_free> cert(in ? PEM_read_bio_X509(in.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    *error = "cannot read the certificate " + cert_file;
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  int n = i2d_X509(cert.get(), &der);
  if (n <= 0) {
    *error = "cannot encode the certificate " + cert_file;
    return std::nullopt;
  }
  auto id = device_id_of_der(der, static_cast<size_t>(n));
  OPENSSL_free(der);
  return id;
}

std::optional<device_identity> load_or_create_identity(const std::string& dir, std::string* error) {
  device_identity out{dir + "/cert.pem", dir + "/key.pem", ""};
  bool has_cert = exists(out.cert_file), has_key = exists(out.key_file);
  if (has_cert && !has_key) {
    *error = out.cert_file + " exists without its key " + out.key_file +
             ": restore the key, or remove the certificate to make a new identity (peers that pinned the old ID "
             "will refuse the new one)";
    return std::nullopt;
  }
  if (!has_cert && !create_identity(out.key_file, out.cert_file, error)) return std::nullopt;
  auto id = device_id_of_cert_file(out.cert_file, error);
  if (!id) return std::nullopt;
  out.device_id = *id;
  return out;
}

}  // namespace syncer
