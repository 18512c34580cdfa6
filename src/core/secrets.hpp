#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace tiket::core {

// `bytes` random bytes from the OS CSPRNG, as lower-case hex.
std::string random_hex(std::size_t bytes);

// Development and test only: reads a hex secret from `file`, creating it on first use with
// `bytes` random bytes (file mode 0600, directory 0700). Production secrets come from the
// environment instead; nothing secret is ever committed.
std::string load_or_create_secret_file(const std::filesystem::path& file, std::size_t bytes);

}  // namespace tiket::core
