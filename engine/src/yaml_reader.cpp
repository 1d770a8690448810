#include "yaml_reader.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>

#include "ferry/common/error.hpp"
#include "ferry/common/url.hpp"

namespace ferry::engine {

YAML::Node load_yaml(const std::filesystem::path& file, const std::string& what,
                     const std::string& hint) {
  std::ifstream in(file);
  if (!in) {
    throw Error(ErrorKind::config,
                "cannot read " + what + " " + file.string() + ": " + std::strerror(errno) + hint);
  }
  try {
    return YAML::Load(in);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::config, file.string() + ":" + std::to_string(e.mark.line + 1) +
                                       ": not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::config, "cannot read " + what + " " + file.string() + ": " + e.what());
  }
}

void YamlReader::fail(const YAML::Node& node, const std::string& key,
                      const std::string& what) const {
  const int line = node.Mark().line >= 0 ? node.Mark().line + 1 : 0;
  throw Error(ErrorKind::config,
              m_file.string() + ":" + std::to_string(line) + ": " + key + ": " + what);
}

void YamlReader::only_keys(const YAML::Node& map, const std::string& where,
                           const std::set<std::string>& allowed) const {
  if (!map.IsMap())
    fail(map, where, "expected a mapping");
  for (const auto& item : map) {
    const std::string key = item.first.as<std::string>();
    if (!allowed.contains(key)) {
      std::string list;
      for (const std::string& a : allowed)
        list += (list.empty() ? "" : ", ") + a;
      fail(item.first, where.empty() ? key : where + "." + key,
           "unknown key (expected one of: " + list + ")");
    }
  }
}

const YAML::Node YamlReader::required(const YAML::Node& map, const std::string& where,
                                      const std::string& key) const {
  const YAML::Node node = map[key];
  if (!node)
    fail(map, where.empty() ? key : where + "." + key, "required key is missing");
  return node;
}

std::string YamlReader::text(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar())
    fail(node, key, "expected a string");
  return interpolate(node, key, node.as<std::string>());
}

bool YamlReader::boolean(const YAML::Node& node, const std::string& key) const {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    fail(node, key, "expected true or false");
  }
  return value;
}

int YamlReader::integer(const YAML::Node& node, const std::string& key, int min, int max) const {
  const std::string s = text(node, key);
  int value = 0;
  try {
    std::size_t used = 0;
    value = std::stoi(s, &used);
    if (used != s.size())
      throw std::invalid_argument(s);
  } catch (const std::exception&) {
    fail(node, key, "expected a whole number, got '" + s + "'");
  }
  if (value < min || value > max) {
    fail(node, key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

std::vector<std::string> YamlReader::list(const YAML::Node& node, const std::string& key) const {
  if (!node.IsSequence())
    fail(node, key, "expected a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    out.push_back(text(node[i], key + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::optional<std::string> substitute(
    std::string_view text,
    const std::function<std::string(const std::string& name, const std::string& rest)>& value) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto open = text.find("${", pos);
    if (open == std::string_view::npos)
      break;
    const auto close = text.find('}', open);
    if (close == std::string_view::npos)
      return std::nullopt;
    out += text.substr(pos, open - pos);
    const std::string inner(text.substr(open + 2, close - open - 2));
    const auto colon = inner.find(':');
    out += value(inner.substr(0, colon),
                 colon == std::string::npos ? std::string() : inner.substr(colon + 1));
    pos = close + 1;
  }
  return out + std::string(text.substr(pos));
}

// ${VAR} and ${VAR:-default} from the environment.
std::string YamlReader::interpolate(const YAML::Node& node, const std::string& key,
                                    const std::string& value) const {
  const auto out = substitute(value, [&](const std::string& name, const std::string& rest) {
    const char* env = std::getenv(name.c_str());
    if (env != nullptr && *env != '\0')
      return std::string(env);
    if (rest.starts_with("-"))
      return rest.substr(1);
    fail(node, key, "environment variable " + name + " is not set");
  });
  if (!out)
    fail(node, key, "unterminated ${ in '" + mask_url(value) + "'");
  return *out;
}

std::string YamlReader::raw(const YAML::Node& node, const std::string& key) const {
  if (!node.IsScalar())
    fail(node, key, "expected a string");
  return node.as<std::string>();
}

std::vector<std::string> YamlReader::raw_list(const YAML::Node& node,
                                              const std::string& key) const {
  if (node.IsScalar())
    return {raw(node, key)};
  if (!node.IsSequence())
    fail(node, key, "expected a name or a list of names");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i)
    out.push_back(raw(node[i], key + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace ferry::engine
