#include "core/secrets.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tiket::core {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  sodium_memzero(raw.data(), raw.size());
  return hex;
}

std::string load_or_create_secret_file(const std::filesystem::path& file, std::size_t bytes) {
  if (std::filesystem::exists(file)) {
    std::ifstream in(file);
    std::string secret;
    std::getline(in, secret);
    if (secret.size() < bytes * 2) {
      throw std::runtime_error("secret file " + file.string() +
                               " is too short; delete it to regenerate");
    }
    return secret;
  }
  std::filesystem::create_directories(file.parent_path());
  std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace);
  auto hex = random_hex(bytes);
  const auto tmp = file.string() + ".tmp";
  {
    const auto old_mask = umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    umask(old_mask);
    out << hex << "\n";
    if (!out) {
      throw std::runtime_error("cannot write " + tmp);
    }
  }
  std::filesystem::rename(tmp, file);
  return hex;
}

}  // namespace tiket::core
