// Internal: reading ferry's YAML files (ferry.yaml, runbooks) so that every error names the
// file, the line and the key: unknown keys, wrong types, missing keys and bad values.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::engine {

// Parses a YAML file. Error(config) naming the file (`what`: "config file", "runbook") when
// it cannot be read, with `hint` appended, or naming the line when it is not valid YAML.
YAML::Node load_yaml(const std::filesystem::path& file, const std::string& what,
                     const std::string& hint = "");

// `text` with every ${NAME} and ${NAME:REST} replaced by value(NAME, REST); REST is empty
// without a colon, and "-default" for ${NAME:-default}. std::nullopt when a ${ is not closed.
// The one parser of ferry's variable syntax (ferry.yaml's environment, runbook variables).
std::optional<std::string> substitute(
    std::string_view text,
    const std::function<std::string(const std::string& name, const std::string& rest)>& value);

class YamlReader {
 public:
  explicit YamlReader(std::filesystem::path file) : m_file(std::move(file)) {}

  // Error(config): "FILE:LINE: KEY: WHAT".
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                         const std::string& what) const;
  // `map` is a mapping whose keys are all in `allowed`.
  void only_keys(const YAML::Node& map, const std::string& where,
                 const std::set<std::string>& allowed) const;
  const YAML::Node required(const YAML::Node& map, const std::string& where,
                            const std::string& key) const;
  // A scalar, with ${VAR} and ${VAR:-default} replaced from the environment.
  std::string text(const YAML::Node& node, const std::string& key) const;
  // A scalar as written: variables are left for the caller to resolve.
  std::string raw(const YAML::Node& node, const std::string& key) const;
  bool boolean(const YAML::Node& node, const std::string& key) const;
  int integer(const YAML::Node& node, const std::string& key, int min, int max) const;
  // A list of scalars, each as text() reads it.
  std::vector<std::string> list(const YAML::Node& node, const std::string& key) const;
  // One scalar or a list of them, as written (raw()).
  std::vector<std::string> raw_list(const YAML::Node& node, const std::string& key) const;

  const std::filesystem::path& file() const { return m_file; }

 private:
  std::string interpolate(const YAML::Node& node, const std::string& key,
                          const std::string& value) const;

  std::filesystem::path m_file;
};

}  // namespace ferry::engine
