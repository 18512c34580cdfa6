#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>  // mkdtemp
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"

namespace {

using tiket::auth::AccessClaims;
using tiket::auth::JwtOptions;
using tiket::auth::JwtService;
using tiket::auth::KeyPair;
using tiket::core::AppError;
using Json = nlohmann::json;
using std::chrono::seconds;
using std::chrono::system_clock;

// ---------------------------------------------------------------------------------------------
// Helpers that build tokens by hand, independently of the code under test.

template <auto Free>
struct OpenSslFree {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using Bio = std::unique_ptr<BIO, OpenSslFree<&BIO_free_all>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, OpenSslFree<&EVP_MD_CTX_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<&EVP_PKEY_CTX_free>>;
using Bignum = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;
using ParamBuild = std::unique_ptr<OSSL_PARAM_BLD, OpenSslFree<&OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, OpenSslFree<&OSSL_PARAM_free>>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  for (char& c : out) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return out;
}

std::string b64url_decode(std::string text) {
  for (char& c : text) {
    c = c == '-' ? '+' : c == '_' ? '/' : c;
  }
  const std::size_t padding = (4 - text.size() % 4) % 4;
  text.append(padding, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                static_cast<int>(text.size()));
  if (n < 0) {
    throw std::runtime_error("bad base64url in test");
  }
  out.resize(static_cast<std::size_t>(n) - padding);  // EVP_DecodeBlock counts padding as zeros
  return out;
}

struct TokenParts {
  std::string header;
  std::string payload;
  std::string signature;
};

TokenParts split(const std::string& token) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return {token.substr(0, first), token.substr(first + 1, second - first - 1),
          token.substr(second + 1)};
}

Json decode_segment(const std::string& segment) {
  return Json::parse(b64url_decode(segment));
}

Pkey read_private_key(const std::string& pem) {
  const Bio bio{BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()))};
  return Pkey{PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)};
}

std::string rs256_sign(const std::string& private_pem, std::string_view input) {
  const Pkey key = read_private_key(private_pem);
  const MdCtx ctx{EVP_MD_CTX_new()};
  std::size_t size = 0;
  if (!key || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size, bytes_of(input), input.size()) != 1) {
    throw std::runtime_error("test signing failed");
  }
  std::string signature(size, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                 bytes_of(input), input.size());
  signature.resize(size);
  return signature;
}

std::string hs256_sign(std::string_view secret, std::string_view input) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes_of(input), input.size(),
       mac.data(), &size);
  return {reinterpret_cast<const char*>(mac.data()), size};
}

std::string signing_input(const Json& header, const Json& claims) {
  return b64url(header.dump()) + "." + b64url(claims.dump());
}

std::string rs256_token(const std::string& private_pem, const Json& header, const Json& claims) {
  const std::string input = signing_input(header, claims);
  return input + "." + b64url(rs256_sign(private_pem, input));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// Generated once per process: 2048-bit key generation takes a noticeable fraction of a second.
const KeyPair& test_key() {
  static const KeyPair key = KeyPair::generate();
  return key;
}

const KeyPair& other_key() {
  static const KeyPair key = KeyPair::generate();
  return key;
}

constexpr std::string_view kGenericDetail = "The access token is invalid or expired.";

// ---------------------------------------------------------------------------------------------

class JwtServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { (void)test_key(); }

  JwtService service_{test_key(), JwtOptions{}};

  Json header() const { return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", test_key().kid}}; }
  static Json claims() {
    const auto now = unix_now();
    return {{"sub", "42"},        {"role", "customer"}, {"iss", "tiket"},
            {"aud", "tiket-api"}, {"iat", now},         {"exp", now + 900}};
  }

  // Fails the test unless verify rejects `token` with a 401 that says nothing specific.
  void expect_rejected(const std::string& token) const {
    try {
      (void)service_.verify(token);
      ADD_FAILURE() << "accepted: " << token;
    } catch (const AppError& e) {
      EXPECT_EQ(e.status(), 401) << token;
      EXPECT_EQ(e.detail(), kGenericDetail) << token;
    }
  }
};

TEST_F(JwtServiceTest, IssuedTokenVerifiesToItsUserRoleAndExpiry) {
  const auto now = system_clock::now();
  const AccessClaims claims = service_.verify(service_.issue(42, "organizer", now));
  EXPECT_EQ(claims.user_id, 42);
  EXPECT_EQ(claims.role, "organizer");
  const auto expected = now + service_.ttl();
  EXPECT_LE(claims.expires_at, expected);
  EXPECT_GT(claims.expires_at, expected - seconds(2));
}

TEST_F(JwtServiceTest, HeaderIsRs256JwtWithTheKeyId) {
  const Json header = decode_segment(split(service_.issue(7, "customer")).header);
  EXPECT_EQ(header.at("alg"), "RS256");
  EXPECT_EQ(header.at("typ"), "JWT");
  EXPECT_EQ(header.at("kid"), test_key().kid);
}

TEST_F(JwtServiceTest, ClaimsAreSubAsStringRoleIssAudAndIntegerTimes) {
  const auto now = system_clock::now();
  const auto now_s = std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  const Json claims = decode_segment(split(service_.issue(9000000000, "admin", now)).payload);
  EXPECT_EQ(claims.at("sub"), "9000000000");
  EXPECT_EQ(claims.at("role"), "admin");
  EXPECT_EQ(claims.at("iss"), "tiket");
  EXPECT_EQ(claims.at("aud"), "tiket-api");
  ASSERT_TRUE(claims.at("iat").is_number_integer());
  ASSERT_TRUE(claims.at("exp").is_number_integer());
  EXPECT_EQ(claims.at("iat").get<std::int64_t>(), now_s);
  EXPECT_EQ(claims.at("exp").get<std::int64_t>(), now_s + 900);
}

// The positive control for the hand-built tokens below: the helpers produce tokens that verify.
TEST_F(JwtServiceTest, AcceptsHandBuiltTokenWithCorrectClaims) {
  EXPECT_EQ(service_.verify(rs256_token(test_key().private_pem, header(), claims())).user_id, 42);
}

TEST_F(JwtServiceTest, RejectsPayloadTamperedToAdmin) {
  TokenParts parts = split(service_.issue(42, "customer"));
  Json claims = decode_segment(parts.payload);
  claims["role"] = "admin";
  expect_rejected(parts.header + "." + b64url(claims.dump()) + "." + parts.signature);
}

TEST_F(JwtServiceTest, RejectsTamperedSignature) {
  TokenParts parts = split(service_.issue(42, "customer"));
  char& c = parts.signature[parts.signature.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  expect_rejected(parts.header + "." + parts.payload + "." + parts.signature);
}

TEST_F(JwtServiceTest, RejectsAlgNoneWithOrWithoutSignature) {
  const std::string signature = split(service_.issue(42, "customer")).signature;
  for (const char* alg : {"none", "None", "NONE"}) {
    const std::string unsigned_token =
        signing_input({{"alg", alg}, {"typ", "JWT"}}, claims()) + ".";
    expect_rejected(unsigned_token);
    expect_rejected(unsigned_token + signature);
    const std::string with_kid =
        signing_input({{"alg", alg}, {"kid", test_key().kid}}, claims()) + ".";
    expect_rejected(with_kid + signature);
  }
}

// The classic key confusion: HMAC-SHA256 keyed with our (public) PEM. A verifier that let the
// header pick the algorithm would check this HMAC with the same PEM and accept it.
TEST_F(JwtServiceTest, RejectsHs256SignedWithThePublicPem) {
  Json hs_header = header();
  hs_header["alg"] = "HS256";
  const std::string input = signing_input(hs_header, claims());
  expect_rejected(input + "." + b64url(hs256_sign(test_key().public_pem, input)));
}

TEST_F(JwtServiceTest, Hs256HelperMatchesTheJwtIoVector) {
  const std::string input =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
      "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
  EXPECT_EQ(b64url(hs256_sign("your-256-bit-secret", input)),
            "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c");
}

TEST_F(JwtServiceTest, RejectsTokenSignedByAnotherKeyUnderOurKid) {
  expect_rejected(rs256_token(other_key().private_pem, header(), claims()));
}

TEST_F(JwtServiceTest, RejectsWrongOrMissingKid) {
  Json wrong = header();
  wrong["kid"] = other_key().kid;
  expect_rejected(rs256_token(test_key().private_pem, wrong, claims()));
  Json missing = header();
  missing.erase("kid");
  expect_rejected(rs256_token(test_key().private_pem, missing, claims()));
  Json not_a_string = header();
  not_a_string["kid"] = 1;
  expect_rejected(rs256_token(test_key().private_pem, not_a_string, claims()));
}

// cpp-jwt compares alg case-insensitively; we accept only the exact "RS256".
TEST_F(JwtServiceTest, RejectsAlgSpelledInAnotherCase) {
  Json lower = header();
  lower["alg"] = "rs256";
  expect_rejected(rs256_token(test_key().private_pem, lower, claims()));
}

TEST_F(JwtServiceTest, RejectsMissingExp) {
  Json c = claims();
  c.erase("exp");
  expect_rejected(rs256_token(test_key().private_pem, header(), c));
}

TEST_F(JwtServiceTest, RejectsExpOrNbfThatIsNotAnInteger) {
  const auto later = unix_now() + 900;
  for (const Json& exp : {Json(std::to_string(later)), Json(static_cast<double>(later) + 0.5),
                          Json(1e300), Json(true)}) {
    Json c = claims();
    c["exp"] = exp;
    expect_rejected(rs256_token(test_key().private_pem, header(), c));
  }
  Json float_nbf = claims();
  float_nbf["nbf"] = 1e300;
  expect_rejected(rs256_token(test_key().private_pem, header(), float_nbf));
}

// cpp-jwt reads exp as uint64, so to it a negative exp lies far in the future.
TEST_F(JwtServiceTest, RejectsNegativeExp) {
  for (const std::int64_t exp :
       {std::int64_t{-1}, std::int64_t{-1000000}, std::numeric_limits<std::int64_t>::min()}) {
    Json c = claims();
    c["exp"] = exp;
    expect_rejected(rs256_token(test_key().private_pem, header(), c));
  }
}

TEST_F(JwtServiceTest, RejectsMissingOrNonIntegerIat) {
  Json missing = claims();
  missing.erase("iat");
  expect_rejected(rs256_token(test_key().private_pem, header(), missing));
  Json text = claims();
  text["iat"] = "yesterday";
  expect_rejected(rs256_token(test_key().private_pem, header(), text));
}

TEST_F(JwtServiceTest, RejectsTokenExpiredBeyondLeeway) {
  const auto issued = system_clock::now() - service_.ttl() - seconds(60);
  expect_rejected(service_.issue(42, "customer", issued));
}

TEST_F(JwtServiceTest, AcceptsTokenExpiredWithinLeeway) {
  const auto issued = system_clock::now() - service_.ttl() - seconds(10);
  EXPECT_EQ(service_.verify(service_.issue(42, "customer", issued)).user_id, 42);
}

TEST_F(JwtServiceTest, ChecksNotBeforeWithTheLeeway) {
  Json later = claims();
  later["nbf"] = unix_now() + 120;  // beyond the 30 s leeway
  expect_rejected(rs256_token(test_key().private_pem, header(), later));
  Json soon = claims();
  soon["nbf"] = unix_now() + 10;  // within it
  EXPECT_EQ(service_.verify(rs256_token(test_key().private_pem, header(), soon)).user_id, 42);
  Json past = claims();
  past["nbf"] = unix_now() - 10;
  EXPECT_EQ(service_.verify(rs256_token(test_key().private_pem, header(), past)).user_id, 42);
}

TEST_F(JwtServiceTest, AcceptsAMissingTypButNoOtherType) {
  EXPECT_EQ(service_
                .verify(rs256_token(test_key().private_pem,
                                    {{"alg", "RS256"}, {"kid", test_key().kid}}, claims()))
                .user_id,
            42);
  for (const Json& typ : {Json("JOSE"), Json("jwt"), Json(1), Json(nullptr)}) {
    expect_rejected(rs256_token(test_key().private_pem,
                                {{"alg", "RS256"}, {"typ", typ}, {"kid", test_key().kid}},
                                claims()));
  }
}

// The public key is parsed once and shared by every request thread: verifications running at
// once on one service all agree, good tokens pass and forged ones fail.
TEST_F(JwtServiceTest, ConcurrentVerificationsShareTheParsedKey) {
  const std::string good = service_.issue(7, "customer");
  std::string forged = good;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  std::atomic<int> accepted{0};
  std::atomic<int> rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (service_.verify(good).user_id == 7) {
          accepted.fetch_add(1);
        }
        try {
          (void)service_.verify(forged);
        } catch (const AppError&) {
          rejected.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(accepted.load(), 400);
  EXPECT_EQ(rejected.load(), 400);
}

TEST_F(JwtServiceTest, RejectsWrongIssuer) {
  JwtOptions options;
  options.issuer = "someone-else";
  const JwtService foreign{test_key(), options};
  expect_rejected(foreign.issue(42, "customer"));
  Json c = claims();
  c.erase("iss");
  expect_rejected(rs256_token(test_key().private_pem, header(), c));
}

TEST_F(JwtServiceTest, RejectsWrongAudience) {
  JwtOptions options;
  options.audience = "another-api";
  const JwtService foreign{test_key(), options};
  expect_rejected(foreign.issue(42, "customer"));
  Json as_array = claims();
  as_array["aud"] = Json::array({"tiket-api"});
  expect_rejected(rs256_token(test_key().private_pem, header(), as_array));
}

TEST_F(JwtServiceTest, RejectsSubThatIsNotAPositiveInt64) {
  for (const Json& sub : {Json("0"), Json("-1"), Json("+1"), Json("007"), Json("12x"), Json(""),
                          Json(" 1"), Json("9223372036854775808"), Json(42)}) {
    Json c = claims();
    c["sub"] = sub;
    expect_rejected(rs256_token(test_key().private_pem, header(), c));
  }
  Json c = claims();
  c["sub"] = "9223372036854775807";
  EXPECT_EQ(service_.verify(rs256_token(test_key().private_pem, header(), c)).user_id,
            9223372036854775807);
}

TEST_F(JwtServiceTest, RejectsMissingEmptyOrNonStringRole) {
  Json missing = claims();
  missing.erase("role");
  expect_rejected(rs256_token(test_key().private_pem, header(), missing));
  for (const Json& role : {Json(""), Json(1), Json::array({"admin"})}) {
    Json c = claims();
    c["role"] = role;
    expect_rejected(rs256_token(test_key().private_pem, header(), c));
  }
}

TEST_F(JwtServiceTest, RejectsGarbage) {
  const std::string valid = service_.issue(42, "customer");
  for (const std::string& token :
       {std::string(), std::string("a.b"), std::string("a.b.c"), std::string("a.b.c.d"),
        std::string("..."), std::string(".."), std::string("\xc3\xa9.\xc3\xa9.\xc3\xa9"),
        std::string("Bearer ") + valid, valid + " ", valid + ".", valid + "=", "." + valid,
        std::string(20000, 'a') + "." + valid}) {
    expect_rejected(token);
  }
}

// Inputs that make cpp-jwt throw from its error_code overload (a non-string alg or typ, a payload
// that is not an object) must still end as a plain 401.
TEST_F(JwtServiceTest, RejectsHeadersAndPayloadsThatMakeTheLibraryThrow) {
  const std::string& pem = test_key().private_pem;
  expect_rejected(rs256_token(pem, {{"alg", 1}, {"kid", test_key().kid}}, claims()));
  expect_rejected(rs256_token(pem, {{"alg", "RS256"}, {"typ", 1}}, claims()));
  expect_rejected(rs256_token(pem, {{"alg", "RS256"}, {"typ", "JOSE"}}, claims()));
  expect_rejected(rs256_token(pem, header(), Json::array({1, 2})));
  expect_rejected(rs256_token(pem, header(), Json("a string")));
  expect_rejected(rs256_token(pem, Json::array({"RS256"}), claims()));
  const std::string not_json = b64url("{") + "." + b64url("{") + ".c2ln";
  expect_rejected(not_json);
}

TEST_F(JwtServiceTest, JwksPublishesOneRs256SigningKey) {
  const Json jwks = service_.jwks();
  ASSERT_EQ(jwks.at("keys").size(), 1U);
  const Json& jwk = jwks.at("keys").at(0);
  EXPECT_EQ(jwk.at("kty"), "RSA");
  EXPECT_EQ(jwk.at("alg"), "RS256");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(jwk.at("kid"), test_key().kid);
  EXPECT_EQ(jwk.at("e"), "AQAB");
  const std::string n = jwk.at("n").get<std::string>();
  EXPECT_EQ(n.find_first_of("+/="), std::string::npos);
  const std::string modulus = b64url_decode(n);
  ASSERT_EQ(modulus.size(), 256U);
  EXPECT_NE(static_cast<unsigned char>(modulus[0]) & 0x80U, 0U);  // 2048 bits, no zero padding
}

// What a JWKS consumer does: rebuild the key from n and e and check one of our signatures.
TEST_F(JwtServiceTest, JwksKeyVerifiesIssuedTokens) {
  const Json jwk = service_.jwks().at("keys").at(0);
  const std::string n_bytes = b64url_decode(jwk.at("n").get<std::string>());
  const std::string e_bytes = b64url_decode(jwk.at("e").get<std::string>());
  const Bignum n{BN_bin2bn(bytes_of(n_bytes), static_cast<int>(n_bytes.size()), nullptr)};
  const Bignum e{BN_bin2bn(bytes_of(e_bytes), static_cast<int>(e_bytes.size()), nullptr)};
  const ParamBuild build{OSSL_PARAM_BLD_new()};
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
  OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
  const Params params{OSSL_PARAM_BLD_to_param(build.get())};
  const PkeyCtx ctx{EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)};
  EVP_PKEY* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()), 1);
  const Pkey key{raw};

  const TokenParts parts = split(service_.issue(42, "customer"));
  const std::string input = parts.header + "." + parts.payload;
  const std::string signature = b64url_decode(parts.signature);
  const MdCtx md{EVP_MD_CTX_new()};
  ASSERT_EQ(EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
  EXPECT_EQ(EVP_DigestVerify(md.get(), bytes_of(signature), signature.size(), bytes_of(input),
                             input.size()),
            1);
}

TEST_F(JwtServiceTest, ConstructorRejectsKidThatDoesNotMatchTheKey) {
  KeyPair mismatched = test_key();
  mismatched.kid = other_key().kid;
  EXPECT_THROW(JwtService(mismatched, JwtOptions{}), std::invalid_argument);
  KeyPair swapped = test_key();
  swapped.public_pem = other_key().public_pem;
  EXPECT_THROW(JwtService(swapped, JwtOptions{}), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------

class KeyPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "tiket-jwt-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, const std::string& text) const {
    auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // Loads `path` and returns the error message; fails the test if loading succeeds.
  static std::string load_error(const std::filesystem::path& path) {
    try {
      (void)KeyPair::load(path);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "loaded " << path;
    return {};
  }

  static std::filesystem::perms mode_of(const std::filesystem::path& path) {
    return std::filesystem::status(path).permissions() & std::filesystem::perms::mask;
  }

  std::filesystem::path dir_;
};

std::string pem_of(EVP_PKEY* key, bool traditional) {
  const Bio bio{BIO_new(BIO_s_mem())};
  if (traditional) {
    PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  }
  BUF_MEM* mem = nullptr;
  BIO_ctrl(bio.get(), BIO_C_GET_BUF_MEM_PTR, 0, static_cast<void*>(&mem));
  return {mem->data, mem->length};
}

// Every base64 line of a PEM, long enough that finding one in a message means the PEM leaked.
std::vector<std::string> pem_body_lines(const std::string& pem) {
  std::vector<std::string> lines;
  std::istringstream in(pem);
  for (std::string line; std::getline(in, line);) {
    if (line.size() >= 16 && line.rfind("-----", 0) != 0) {
      lines.push_back(line.substr(0, 16));
    }
  }
  return lines;
}

void expect_no_pem_material(const std::string& message, const std::string& pem) {
  EXPECT_EQ(message.find("-----"), std::string::npos) << message;
  for (const auto& line : pem_body_lines(pem)) {
    EXPECT_EQ(message.find(line), std::string::npos) << message;
  }
}

TEST_F(KeyPairTest, FromPrivatePemRoundTripKeepsKidAndPublicKey) {
  const KeyPair again = KeyPair::from_private_pem(test_key().private_pem);
  EXPECT_EQ(again.kid, test_key().kid);
  EXPECT_EQ(again.public_pem, test_key().public_pem);
  EXPECT_EQ(again.kid.size(), 16U);
  EXPECT_NE(test_key().kid, other_key().kid);
}

TEST_F(KeyPairTest, AcceptsTraditionalRsaPem) {
  const Pkey key = read_private_key(test_key().private_pem);
  const std::string traditional = pem_of(key.get(), true);
  ASSERT_NE(traditional.find("BEGIN RSA PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(KeyPair::from_private_pem(traditional).kid, test_key().kid);
}

// The kid is computed from the DER inside the public PEM, not from the PEM text.
TEST_F(KeyPairTest, KidIsBase64urlSha256OfThePublicKeyDer) {
  std::string body;
  std::istringstream in(test_key().public_pem);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("-----", 0) != 0) {
      body += line;
    }
  }
  std::string der(body.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(der.data()), bytes_of(body),
                                static_cast<int>(body.size()));
  ASSERT_GT(n, 0);
  der.resize(static_cast<std::size_t>(n) -
             static_cast<std::size_t>(std::count(body.begin(), body.end(), '=')));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned size = 0;
  ASSERT_EQ(EVP_Digest(der.data(), der.size(), digest.data(), &size, EVP_sha256(), nullptr), 1);
  const std::string expected =
      b64url({reinterpret_cast<const char*>(digest.data()), size}).substr(0, 16);
  EXPECT_EQ(test_key().kid, expected);
}

TEST_F(KeyPairTest, LoadReadsAKeyFile) {
  EXPECT_EQ(KeyPair::load(write("key.pem", test_key().private_pem)).kid, test_key().kid);
}

TEST_F(KeyPairTest, GenerateRefusesKeysSmallerThan2048Bits) {
  EXPECT_THROW((void)KeyPair::generate(1024), std::invalid_argument);
}

TEST_F(KeyPairTest, LoadOrCreateDevKeyCreatesOwnerOnlyFilesAndReusesThem) {
  struct UmaskGuard {
    mode_t saved = ::umask(0);  // so that only explicit modes keep group and others out
    UmaskGuard() = default;
    UmaskGuard(const UmaskGuard&) = delete;
    UmaskGuard& operator=(const UmaskGuard&) = delete;
    UmaskGuard(UmaskGuard&&) = delete;
    UmaskGuard& operator=(UmaskGuard&&) = delete;
    ~UmaskGuard() { ::umask(saved); }
  } const umask_guard;

  const auto keys = dir_ / "nested" / "keys";
  const KeyPair first = tiket::auth::load_or_create_dev_key(keys);
  using std::filesystem::perms;
  EXPECT_EQ(mode_of(keys), perms::owner_all);
  EXPECT_EQ(mode_of(keys / "jwt-private.pem"), perms::owner_read | perms::owner_write);
  // Only the key: no temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(keys),
                          std::filesystem::directory_iterator()),
            1);

  const KeyPair second = tiket::auth::load_or_create_dev_key(keys);
  EXPECT_EQ(second.kid, first.kid);
  EXPECT_EQ(KeyPair::load(keys / "jwt-private.pem").kid, first.kid);
}

// Two processes starting on an empty directory must end up signing with the same key. Key
// generation is slow enough that both calls find the file missing and generate one each.
TEST_F(KeyPairTest, ConcurrentFirstUseAgreesOnOneKey) {
  const auto keys = dir_ / "keys";
  std::string first_kid;
  std::thread other([&] { first_kid = tiket::auth::load_or_create_dev_key(keys).kid; });
  const std::string second_kid = tiket::auth::load_or_create_dev_key(keys).kid;
  other.join();
  EXPECT_EQ(first_kid, second_kid);
  EXPECT_EQ(KeyPair::load(keys / "jwt-private.pem").kid, second_kid);
}

TEST_F(KeyPairTest, LoadOfMissingFileSaysCannotRead) {
  const auto path = dir_ / "absent.pem";
  const std::string message = load_error(path);
  EXPECT_EQ(message, "JWT_PRIVATE_KEY_FILE: cannot read " + path.string());
}

TEST_F(KeyPairTest, LoadOfPublicKeyFileFailsWithoutQuotingIt) {
  const std::string message = load_error(write("public.pem", test_key().public_pem));
  EXPECT_NE(message.find("not a PEM private key"), std::string::npos) << message;
  expect_no_pem_material(message, test_key().public_pem);
}

TEST_F(KeyPairTest, LoadOfTextFileFailsWithoutQuotingIt) {
  const std::string message = load_error(write("notes.txt", "hello, not a key\n"));
  EXPECT_NE(message.find("not a PEM private key"), std::string::npos) << message;
  EXPECT_EQ(message.find("hello"), std::string::npos) << message;
}

TEST_F(KeyPairTest, LoadOfEcKeyFailsAsNotRsa) {
  const Pkey ec{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
  ASSERT_TRUE(ec);
  const std::string pem = pem_of(ec.get(), false);
  const std::string message = load_error(write("ec.pem", pem));
  EXPECT_NE(message.find("not an RSA private key"), std::string::npos) << message;
  expect_no_pem_material(message, pem);
}

TEST_F(KeyPairTest, RejectsRsaKeysSmallerThan2048Bits) {
  const Pkey small{EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{1024})};
  ASSERT_TRUE(small);
  try {
    (void)KeyPair::from_private_pem(pem_of(small.get(), false));
    ADD_FAILURE() << "accepted a 1024-bit key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2048"), std::string::npos) << e.what();
  }
}

// Without a refusing passphrase callback OpenSSL would prompt on the terminal.
TEST_F(KeyPairTest, LoadOfEncryptedKeyFailsWithoutPrompting) {
  const Pkey key = read_private_key(test_key().private_pem);
  const Bio bio{BIO_new(BIO_s_mem())};
  std::string passphrase = "correct horse";
  ASSERT_EQ(
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), passphrase.data(),
                                    static_cast<int>(passphrase.size()), nullptr, nullptr),
      1);
  BUF_MEM* mem = nullptr;
  BIO_ctrl(bio.get(), BIO_C_GET_BUF_MEM_PTR, 0, static_cast<void*>(&mem));
  const std::string pem(mem->data, mem->length);
  const std::string message = load_error(write("encrypted.pem", pem));
  EXPECT_NE(message.find("encrypted"), std::string::npos) << message;
  expect_no_pem_material(message, pem);
}

}  // namespace
