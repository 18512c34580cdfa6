#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "identity/token_verifier.hpp"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace tiket::auth {

// An RSA key pair in PEM, with its key id (the first 16 characters of the base64url SHA-256 of
// the DER-encoded public key).
struct KeyPair {
  std::string private_pem;
  std::string public_pem;
  std::string kid;

  // Reads a PEM private key (PKCS#8 or traditional RSA) and derives the public half and the kid.
  // Throws std::runtime_error with a clear message (never the key material).
  static KeyPair from_private_pem(std::string private_pem);
  static KeyPair load(const std::filesystem::path& private_key_file);
  static KeyPair generate(unsigned bits = 2048);

  // The public key as a JWK: {"kty":"RSA","use":"sig","alg":"RS256","kid":...,"n":...,"e":...}
  nlohmann::json jwk() const;
};

// Development and test only: loads dir/jwt-private.pem, creating it (mode 0600, directory 0700)
// on first use.
KeyPair load_or_create_dev_key(const std::filesystem::path& dir);

struct JwtOptions {
  std::string issuer = "tiket";
  std::string audience = "tiket-api";
  std::chrono::seconds ttl{15 * 60};
  std::chrono::seconds leeway{30};
};

struct AccessClaims {
  std::int64_t user_id = 0;
  std::string role;
  std::chrono::system_clock::time_point expires_at;
};

// RS256 access tokens. Signing goes through cpp-jwt; verification is ours, against the public
// key parsed once at construction (cpp-jwt parses the PEM again on every decode, which was 79% of
// the CPU of a sold-out booking answer; ADR 0018). It accepts only RS256 with our kid, checks the
// signature before reading any claim, requires exp and iat, checks nbf, iss and aud, and allows
// `leeway` of clock skew.
class JwtService {
 public:
  JwtService(KeyPair key, JwtOptions options);

  // Header {alg: RS256, typ: JWT, kid}; claims sub (user id as a string), role, iss, aud, iat, exp.
  std::string issue(
      std::int64_t user_id, std::string_view role,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  // Throws core::AppError::unauthorized (401) for anything wrong: malformed, bad signature,
  // alg other than RS256 (including "none"), unknown kid, expired, missing exp, wrong iss or aud,
  // a sub that is not a positive integer, a missing role.
  AccessClaims verify(std::string_view token) const;

  // {"keys":[jwk]}
  nlohmann::json jwks() const;
  std::chrono::seconds ttl() const { return options_.ttl; }

 private:
  KeyPair key_;
  JwtOptions options_;
  std::shared_ptr<evp_pkey_st> public_key_;  // immutable; shared by every verifying thread
};

// What the HTTP guard (http::Authenticator) checks bearer tokens with: JwtService::verify, then
// the role claim must name a known role.
class JwtAccessTokenVerifier final : public identity::AccessTokenVerifier {
 public:
  explicit JwtAccessTokenVerifier(const JwtService& jwt) : jwt_(jwt) {}
  identity::Principal verify(std::string_view token) const override;

 private:
  const JwtService& jwt_;
};

}  // namespace tiket::auth
