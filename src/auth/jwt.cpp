#include "auth/jwt.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

// cpp-jwt is header-only; its templates are instantiated here. The headers live in /usr/include,
// so GCC treats them as system headers and our -Wconversion/-Wold-style-cast stay quiet.
#include <jwt/jwt.hpp>

#include "core/errors.hpp"

namespace tiket::auth {

namespace {

// ---------------------------------------------------------------------------------------------
// OpenSSL ownership

template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, OpenSslFree<&BIO_free_all>>;
using Bignum = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;

constexpr std::size_t kMaxPemBytes = std::size_t{64} * 1024;
constexpr unsigned kMinRsaBits = 2048;
constexpr unsigned kMaxRsaBits = 16384;
constexpr std::size_t kKidLength = 16;
// Our tokens are ~600 bytes; anything much larger is not ours and is not worth decoding.
constexpr std::size_t kMaxTokenBytes = std::size_t{8} * 1024;
constexpr std::string_view kInvalidToken = "The access token is invalid or expired.";

// OpenSSL leaves failures on a thread-local queue; drop them so they don't surface later in an
// unrelated caller (libcurl, the MySQL connector) that inspects the queue.
struct OpenSslErrorsCleared {
  OpenSslErrorsCleared() = default;
  OpenSslErrorsCleared(const OpenSslErrorsCleared&) = delete;
  OpenSslErrorsCleared& operator=(const OpenSslErrorsCleared&) = delete;
  OpenSslErrorsCleared(OpenSslErrorsCleared&&) = delete;
  OpenSslErrorsCleared& operator=(OpenSslErrorsCleared&&) = delete;
  ~OpenSslErrorsCleared() { ERR_clear_error(); }
};

// Overwrites a buffer of key material when it goes out of scope.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string& secret) : secret_(secret) {}
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;
  WipeOnExit(WipeOnExit&&) = delete;
  WipeOnExit& operator=(WipeOnExit&&) = delete;
  ~WipeOnExit() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

 private:
  std::string& secret_;
};

Bio memory_bio(std::string_view bytes) {
  Bio bio{BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()))};
  if (!bio) {
    throw std::bad_alloc();
  }
  return bio;
}

std::string drain(BIO* bio) {
  char* data = nullptr;
  // BIO_get_mem_data is a macro with a C cast; this is what it expands to.
  const long size = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  if (size <= 0 || data == nullptr) {
    throw std::runtime_error("JWT key: OpenSSL produced no output");
  }
  return {data, static_cast<std::size_t>(size)};
}

std::string base64url(const unsigned char* bytes, std::size_t size) {
  std::string out = jwt::base64_encode(reinterpret_cast<const char*>(bytes), size);
  out.resize(jwt::base64_uri_encode(out.data(), out.size()));  // also drops the '=' padding
  return out;
}

std::string base64url(const BIGNUM* value) {
  std::vector<unsigned char> bytes(static_cast<std::size_t>(BN_num_bytes(value)));
  BN_bn2bin(value, bytes.data());  // big-endian, no leading zeros: what RFC 7518 asks for
  return base64url(bytes.data(), bytes.size());
}

std::string public_pem_of(EVP_PKEY* pkey) {
  Bio bio{BIO_new(BIO_s_mem())};
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    throw std::runtime_error("JWT key: cannot encode the public key");
  }
  return drain(bio.get());
}

std::string private_pem_of(EVP_PKEY* pkey) {
  Bio bio{BIO_new(BIO_s_mem())};
  // Unencrypted PKCS#8, the one form every reader (cpp-jwt included) takes without a prompt.
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("JWT key: cannot encode the private key");
  }
  return drain(bio.get());
}

std::string kid_of(EVP_PKEY* pkey) {
  const int der_size = i2d_PUBKEY(pkey, nullptr);
  if (der_size <= 0) {
    throw std::runtime_error("JWT key: cannot encode the public key");
  }
  std::vector<unsigned char> der(static_cast<std::size_t>(der_size));
  unsigned char* cursor = der.data();
  i2d_PUBKEY(pkey, &cursor);

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned digest_size = 0;
  if (EVP_Digest(der.data(), der.size(), digest.data(), &digest_size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("JWT key: cannot hash the public key");
  }
  return base64url(digest.data(), digest_size).substr(0, kKidLength);
}

KeyPair key_pair_of(EVP_PKEY* pkey) {
  KeyPair key;
  key.private_pem = private_pem_of(pkey);
  key.public_pem = public_pem_of(pkey);
  key.kid = kid_of(pkey);
  return key;
}

// `source` names where the PEM came from, for the message; the message never quotes the PEM.
KeyPair parse_private_key(std::string_view pem, const std::string& source) {
  const OpenSslErrorsCleared clear_errors;
  if (pem.size() > kMaxPemBytes) {
    throw std::runtime_error(source + ": too large for a PEM private key");
  }
  const Bio bio = memory_bio(pem);
  // A callback that refuses: with none, OpenSSL would prompt on the terminal for the passphrase
  // of an encrypted key.
  pem_password_cb* refuse_passphrase = [](char*, int, int, void*) { return -1; };
  const Pkey pkey{PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr)};
  if (!pkey) {
    throw std::runtime_error(source + ": not a PEM private key (or it is encrypted)");
  }
  // "RSA" only: an RSA-PSS key would produce signatures RS256 verifiers reject.
  if (EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    throw std::runtime_error(source + ": not an RSA private key");
  }
  const int bits = EVP_PKEY_get_bits(pkey.get());
  if (bits < static_cast<int>(kMinRsaBits)) {
    throw std::runtime_error(source + ": the RSA key has " + std::to_string(bits) +
                             " bits; at least 2048 are required");
  }
  return key_pair_of(pkey.get());
}

// ---------------------------------------------------------------------------------------------
// Files

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  FileDescriptor(FileDescriptor&&) = delete;
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }
  // Closes now so that a failed close (data not written) is reported instead of ignored.
  bool close() {
    const int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// Removes a temporary file on every path out of the function that created it.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  TemporaryFile(TemporaryFile&&) = delete;
  TemporaryFile& operator=(TemporaryFile&&) = delete;
  ~TemporaryFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::runtime_error file_error(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(what + " " + path.string() + ": " +
                            std::generic_category().message(errno));
}

void write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw file_error("cannot write", path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

// Creates `target` holding `contents` with mode 0600, all at once: readers see either no file or
// the whole key. Returns false, leaving `target` alone, if it already exists. link(2) rather than
// rename(2) because rename would replace a key that a concurrently starting process has just
// written, and that process would then sign with a key nobody else has.
bool create_file_exclusively(const std::filesystem::path& target, std::string_view contents) {
  std::string pattern = target.string() + ".XXXXXX";
  FileDescriptor fd{::mkstemp(pattern.data())};  // mkstemp creates the file with mode 0600
  if (fd.get() < 0) {
    throw file_error("cannot create a temporary file next to", target);
  }
  const TemporaryFile temporary{pattern};
  if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0) {
    throw file_error("cannot chmod", temporary.path());
  }
  write_all(fd.get(), contents, temporary.path());
  if (::fsync(fd.get()) != 0 || !fd.close()) {
    throw file_error("cannot write", temporary.path());
  }
  if (::link(temporary.path().c_str(), target.c_str()) != 0) {
    if (errno == EEXIST) {
      return false;
    }
    throw file_error("cannot create", target);
  }
  return true;
}

// Creates `dir` with mode 0700 if it is missing; an existing directory keeps its mode.
void create_private_directory(const std::filesystem::path& dir) {
  if (dir.has_parent_path()) {
    std::filesystem::create_directories(dir.parent_path());
  }
  if (::mkdir(dir.c_str(), S_IRWXU) == 0) {
    // mkdir applies the umask; set the mode explicitly.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace);
  } else if (errno != EEXIST) {
    throw file_error("cannot create directory", dir);
  }
  if (!std::filesystem::is_directory(dir)) {
    throw std::runtime_error("JWT dev key: " + dir.string() + " is not a directory");
  }
}

// ---------------------------------------------------------------------------------------------
// Claims

// A sub is a user id: a positive int64 in canonical decimal (no sign, no leading zeros).
std::optional<std::int64_t> parse_user_id(std::string_view text) {
  if (text.empty() || text.front() < '1' || text.front() > '9') {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> integer_claim(const nlohmann::json& claims, const char* name) {
  const auto it = claims.find(name);
  if (it == claims.end() || !it->is_number_integer()) {
    return std::nullopt;  // missing, or a float, string or bool
  }
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(value);
  }
  return it->get<std::int64_t>();
}

const std::string* string_claim(const nlohmann::json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return nullptr;
  }
  return it->get_ptr<const std::string*>();
}

// Not std::isalnum: that follows the locale and may accept bytes >= 0x80.
bool is_base64url_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The compact JWS shape, checked before cpp-jwt sees the token: exactly three non-empty
// base64url segments. cpp-jwt's base64 decoder indexes a 256-entry table with a plain (signed)
// char, so a byte >= 0x80 trips an assert in debug builds and reads out of bounds otherwise; its
// three_parts() asserts there is a dot.
bool is_compact_jws(std::string_view token) {
  if (token.size() > kMaxTokenBytes) {
    return false;
  }
  std::size_t dots = 0;
  char previous = '.';
  for (const char c : token) {
    if (c == '.') {
      if (previous == '.') {
        return false;  // an empty segment
      }
      ++dots;
    } else if (!is_base64url_char(c)) {
      return false;
    }
    previous = c;
  }
  return dots == 2 && previous != '.';
}

// A token segment as JSON, or a discarded value when it is not JSON. Call only after
// is_compact_jws (cpp-jwt's decoder indexes its table with the raw byte).
nlohmann::json decode_segment(std::string_view segment) {
  return nlohmann::json::parse(jwt::base64_uri_decode(segment.data(), segment.size()), nullptr,
                               /*allow_exceptions=*/false);
}

// PKCS#1 v1.5 with SHA-256 (RS256) over the signing input, with the key parsed once.
bool rs256_signature_valid(EVP_PKEY* key, std::string_view signing_input,
                           std::string_view signature_segment) {
  const std::string signature =
      jwt::base64_uri_decode(signature_segment.data(), signature_segment.size());
  using MdCtx = std::unique_ptr<EVP_MD_CTX, OpenSslFree<&EVP_MD_CTX_free>>;
  const MdCtx ctx{EVP_MD_CTX_new()};
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

core::AppError invalid_token() {
  return core::AppError::unauthorized(std::string(kInvalidToken));
}

}  // namespace

// -----------------------------------------------------------------------------------------------
// KeyPair

KeyPair KeyPair::from_private_pem(std::string private_pem) {
  const WipeOnExit wipe{private_pem};  // our copy; the result keeps a normalised one
  return parse_private_key(private_pem, "JWT private key");
}

KeyPair KeyPair::load(const std::filesystem::path& private_key_file) {
  const std::string source = "JWT_PRIVATE_KEY_FILE: " + private_key_file.string();
  std::ifstream in(private_key_file, std::ios::binary);
  if (!in) {
    throw std::runtime_error("JWT_PRIVATE_KEY_FILE: cannot read " + private_key_file.string());
  }
  // Bounded read: a path such as /dev/zero must not hang startup.
  std::string pem;
  const WipeOnExit wipe{pem};
  std::array<char, 4096> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    pem.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (pem.size() > kMaxPemBytes) {
      throw std::runtime_error(source + ": too large for a PEM private key");
    }
  }
  if (in.bad()) {
    throw std::runtime_error("JWT_PRIVATE_KEY_FILE: cannot read " + private_key_file.string());
  }
  return parse_private_key(pem, source);
}

KeyPair KeyPair::generate(unsigned bits) {
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    throw std::invalid_argument("KeyPair::generate: bits must be from 2048 to 16384");
  }
  const OpenSslErrorsCleared clear_errors;
  const Pkey pkey{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits))};
  if (!pkey) {
    throw std::runtime_error("JWT key: RSA key generation failed");
  }
  return key_pair_of(pkey.get());
}

nlohmann::json KeyPair::jwk() const {
  const OpenSslErrorsCleared clear_errors;
  const Bio bio = memory_bio(public_pem);
  const Pkey pkey{PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr)};
  if (!pkey || EVP_PKEY_is_a(pkey.get(), "RSA") != 1) {
    throw std::runtime_error("JWT key: the public key is not an RSA public key");
  }
  BIGNUM* n_raw = nullptr;
  BIGNUM* e_raw = nullptr;
  const bool got_n = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n_raw) == 1;
  const Bignum n{n_raw};
  const bool got_e = EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e_raw) == 1;
  const Bignum e{e_raw};
  if (!got_n || !got_e) {
    throw std::runtime_error("JWT key: cannot read the RSA modulus and exponent");
  }
  return {{"kty", "RSA"},
          {"use", "sig"},
          {"alg", "RS256"},
          {"kid", kid},
          {"n", base64url(n.get())},
          {"e", base64url(e.get())}};
}

KeyPair load_or_create_dev_key(const std::filesystem::path& dir) {
  create_private_directory(dir);
  const std::filesystem::path file = dir / "jwt-private.pem";
  if (std::filesystem::exists(file)) {
    return KeyPair::load(file);
  }
  KeyPair key = KeyPair::generate();
  if (!create_file_exclusively(file, key.private_pem)) {
    return KeyPair::load(file);  // another process created it first; everyone uses that one
  }
  return key;
}

// -----------------------------------------------------------------------------------------------
// JwtService

JwtService::JwtService(KeyPair key, JwtOptions options)
    : key_(std::move(key)), options_(std::move(options)) {
  // The public half and kid are what verify and the JWKS use; make sure they belong to the
  // private key that signs.
  const KeyPair derived = KeyPair::from_private_pem(key_.private_pem);
  if (derived.public_pem != key_.public_pem || derived.kid != key_.kid) {
    throw std::invalid_argument("JwtService: public key or kid does not match the private key");
  }
  {
    const OpenSslErrorsCleared clear_errors;
    const Bio bio = memory_bio(key_.public_pem);
    public_key_.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
  }
  if (!public_key_) {
    throw std::invalid_argument("JwtService: cannot read the public key");
  }
  if (options_.issuer.empty() || options_.audience.empty()) {
    throw std::invalid_argument("JwtService: issuer and audience must not be empty");
  }
  if (options_.ttl <= std::chrono::seconds::zero()) {
    throw std::invalid_argument("JwtService: ttl must be positive");
  }
  if (options_.leeway < std::chrono::seconds::zero() ||
      options_.leeway > std::chrono::seconds(std::numeric_limits<std::uint32_t>::max())) {
    throw std::invalid_argument("JwtService: leeway out of range");
  }
}

std::string JwtService::issue(std::int64_t user_id, std::string_view role,
                              std::chrono::system_clock::time_point now) const {
  if (user_id <= 0 || role.empty()) {
    throw std::invalid_argument("JwtService::issue: user id must be positive and role non-empty");
  }
  const OpenSslErrorsCleared clear_errors;
  // The default jwt_header already carries typ JWT; params::algorithm sets alg.
  jwt::jwt_object token{jwt::params::algorithm(jwt::algorithm::RS256),
                        jwt::params::secret(key_.private_pem)};
  token.header().add_header("kid", key_.kid);
  const std::int64_t issued_at = unix_seconds(now);
  // add_claim, not params::payload({...}): the latter turns every value into a string.
  token.add_claim("sub", std::to_string(user_id))
      .add_claim("role", std::string(role))
      .add_claim("iss", options_.issuer)
      .add_claim("aud", options_.audience)
      .add_claim("iat", issued_at)
      .add_claim("exp", issued_at + options_.ttl.count());
  std::error_code ec;
  std::string encoded = token.signature(ec);
  if (ec) {
    throw std::runtime_error("JwtService::issue: signing failed");
  }
  return encoded;
}

AccessClaims JwtService::verify(std::string_view token) const {
  if (!is_compact_jws(token)) {
    throw invalid_token();
  }
  const OpenSslErrorsCleared clear_errors;
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = token.find('.', first_dot + 1);
  const std::string_view signing_input = token.substr(0, second_dot);

  // The signature first: nothing in a token we did not sign is read beyond its shape.
  if (!rs256_signature_valid(public_key_.get(), signing_input, token.substr(second_dot + 1))) {
    throw invalid_token();
  }
  // Only RS256 with our kid. The signature check above used RS256 whatever the header says, so
  // "none" or HS256 never verify; the header must still say what was checked, exactly.
  const nlohmann::json header = decode_segment(token.substr(0, first_dot));
  if (!header.is_object()) {
    throw invalid_token();
  }
  const std::string* alg = string_claim(header, "alg");
  const std::string* kid = string_claim(header, "kid");
  const auto typ = header.find("typ");
  if (alg == nullptr || *alg != "RS256" || kid == nullptr || *kid != key_.kid ||
      (typ != header.end() && (!typ->is_string() || *typ != "JWT"))) {
    throw invalid_token();
  }

  const nlohmann::json claims =
      decode_segment(token.substr(first_dot + 1, second_dot - first_dot - 1));
  if (!claims.is_object()) {
    throw invalid_token();
  }
  const std::string* issuer = string_claim(claims, "iss");
  const std::string* audience = string_claim(claims, "aud");
  if (issuer == nullptr || *issuer != options_.issuer || audience == nullptr ||
      *audience != options_.audience) {
    throw invalid_token();
  }
  // exp and iat are required integers; nbf, when present, too. Compared as signed 64-bit
  // numbers, so a negative exp is simply expired.
  const auto expires = integer_claim(claims, "exp");
  const auto issued = integer_claim(claims, "iat");
  const auto nbf = claims.find("nbf");
  const auto not_before =
      nbf == claims.end() ? std::optional<std::int64_t>{std::numeric_limits<std::int64_t>::min()}
                          : integer_claim(claims, "nbf");
  const std::int64_t now = unix_seconds(std::chrono::system_clock::now());
  const std::int64_t leeway = options_.leeway.count();
  const std::int64_t latest_exp =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max())
          .count();
  if (!expires || !issued || !not_before || *expires < now - leeway || *expires > latest_exp ||
      *not_before > now + leeway) {
    throw invalid_token();
  }
  const std::string* sub = string_claim(claims, "sub");
  const std::string* role = string_claim(claims, "role");
  const auto user_id = sub != nullptr ? parse_user_id(*sub) : std::nullopt;
  if (!user_id || role == nullptr || role->empty()) {
    throw invalid_token();
  }

  return AccessClaims{*user_id, *role,
                      std::chrono::system_clock::time_point(std::chrono::seconds(*expires))};
}

nlohmann::json JwtService::jwks() const {
  return {{"keys", nlohmann::json::array({key_.jwk()})}};
}

identity::Principal JwtAccessTokenVerifier::verify(std::string_view token) const {
  const auto claims = jwt_.verify(token);
  const auto role = identity::parse_role(claims.role);
  if (!role) {
    throw core::AppError::unauthorized("The access token is invalid or expired.");
  }
  return {claims.user_id, *role};
}

}  // namespace tiket::auth
