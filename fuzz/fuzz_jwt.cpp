// Access-token verification (JwtService::verify) against attacker-controlled tokens, with one
// RSA key pair generated at start-up.
// Input: a first byte that picks the mode, then
//   even: the token as sent in "Authorization: Bearer <token>";
//   odd:  "<header JSON>\n<payload JSON>", which the harness signs with the service's own key
//         (RS256) so that the checks after the signature (alg, kid, exp, sub, role) are reached
//         too. "@kid" in the input becomes the key's kid and "@now" the current Unix time.

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include "auth/jwt.hpp"
#include "core/cursor.hpp"
#include "fuzz_support.hpp"

namespace {

using tiket::fuzz::require;

struct Fixture {
  tiket::auth::KeyPair key = tiket::auth::KeyPair::generate(2048);
  tiket::auth::JwtService service{key, tiket::auth::JwtOptions{}};
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> signer{nullptr, &EVP_PKEY_free};

  Fixture() {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio{
        BIO_new_mem_buf(key.private_pem.data(), static_cast<int>(key.private_pem.size())),
        &BIO_free};
    signer.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    require(signer != nullptr, "cannot read the generated private key");
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

std::string substitute(std::string text) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::array<std::pair<std::string, std::string>, 2> replacements = {
      {{"@kid", fixture().key.kid}, {"@now", std::to_string(now)}}};
  for (const auto& [from, to] : replacements) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
      text.replace(at, from.size(), to);
    }
  }
  return text;
}

std::string rs256(std::string_view signing_input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  std::size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(signing_input.data());
  require(ctx &&
              EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                                 fixture().signer.get()) == 1 &&
              EVP_DigestSign(ctx.get(), nullptr, &length, bytes, signing_input.size()) == 1,
          "cannot start an RS256 signature");
  std::vector<unsigned char> signature(length);
  require(EVP_DigestSign(ctx.get(), signature.data(), &length, bytes, signing_input.size()) == 1,
          "cannot sign");
  return tiket::core::base64url_encode({reinterpret_cast<const char*>(signature.data()), length});
}

std::string signed_token(std::string_view input) {
  const auto parts = tiket::fuzz::split(input, '\n', 2);
  const auto signing_input = tiket::core::base64url_encode(substitute(std::string(parts[0]))) +
                             "." + tiket::core::base64url_encode(substitute(std::string(parts[1])));
  return signing_input + "." + rs256(signing_input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto rest = tiket::fuzz::as_text(data + 1, size - 1);
  const std::string token = (data[0] % 2 == 0) ? std::string(rest) : signed_token(rest);
  tiket::fuzz::parse_or_client_error([&] {
    const auto claims = fixture().service.verify(token);
    // Only reachable with our signature: what verify lets through must be fully formed.
    require(claims.user_id > 0, "verify accepted a sub below 1");
    require(!claims.role.empty(), "verify accepted an empty role");
    require(claims.expires_at + std::chrono::seconds(30) >= std::chrono::system_clock::now(),
            "verify accepted an expired token");
  });
  return 0;
}
