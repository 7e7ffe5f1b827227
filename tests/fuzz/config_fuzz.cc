// libFuzzer target for the config loader: any text handed to ParseConfig gives a config or an
// error that names the problem, never a crash; secrets never appear in an error message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"

namespace {

void Require(bool condition) {
  if (!condition) __builtin_trap();
}

constexpr char kSecret[] = "fuzz-secret-6b1d9f";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Secret files are read whole; a device file that never ends would only measure the fuzzer's
  // patience, not the parser.
  for (std::string_view device : {"/dev/", "/proc/", "/sys/"}) {
    if (input.find(device) != std::string_view::npos) return 0;
  }
  // The secret may only reach an error through the environment lookup below. An input that
  // spells it itself (say, as an unknown key, which errors name) proves nothing either way.
  if (input.find(kSecret) != std::string_view::npos) return 0;
  const pushgate::config::EnvLookup env =
      [](const std::string& name) -> std::optional<std::string> {
    if (name.empty() || name[0] == 'U') return std::nullopt;  // "unset" variables
    return std::string(kSecret);
  };
  absl::StatusOr<pushgate::config::Config> config = pushgate::config::ParseConfig(input, env);
  if (!config.ok()) {
    Require(!config.status().message().empty());
    Require(config.status().message().find(kSecret) == std::string_view::npos);
    return 0;
  }
  const absl::Status valid = pushgate::config::ValidateConfig(*config);
  Require(valid.message().find(kSecret) == std::string_view::npos);
  return 0;
}
