#include "ferry/schema/row.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "ferry/common/error.hpp"

namespace ferry::schema {

void RowBatch::add_value(std::string_view value) {
  const std::size_t start = m_bytes.size();
  m_bytes.append(value);
  commit_value(start);
}

void RowBatch::add_null() {
  m_fields.push_back(Field{0, -1});  // a NULL's offset is never read
}

void RowBatch::check_field(std::size_t start, std::size_t length) {
  // Fields address the buffer with 32-bit offsets and lengths: past them a value would be
  // read from the wrong place. Readers end their batches long before (k_batch_bytes).
  if (start > std::numeric_limits<std::uint32_t>::max() ||
      length > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw Error(ErrorKind::failure,
                "a batch of rows cannot hold a value of " + std::to_string(length) +
                    " bytes after " + std::to_string(start) +
                    " bytes of other values (a batch holds up to 4 GiB, a value up to 2 GiB)");
  }
}

void RowBatch::commit_value(std::size_t start) {
  const std::size_t length = m_bytes.size() - start;
  try {
    check_field(start, length);
  } catch (...) {
    m_bytes.resize(start);
    throw;
  }
  m_fields.push_back(Field{static_cast<std::uint32_t>(start), static_cast<std::int32_t>(length)});
}

std::string_view RowBatch::value(std::size_t row, std::size_t column) const noexcept {
  const Field& f = m_fields[row * m_columns + column];
  if (f.length < 0)
    return {};
  return std::string_view(m_bytes).substr(f.offset, static_cast<std::size_t>(f.length));
}

std::optional<std::string_view> RowBatch::field(std::size_t row,
                                                std::size_t column) const noexcept {
  if (is_null(row, column))
    return std::nullopt;
  return value(row, column);
}

namespace canonical {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

int to_int(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// Zero-padded decimal, without snprintf: this runs for every
// timestamp of every row read.
void append_padded(std::string& out, long long value, int width) {
  if (value < 0) {
    out += '-';
    value = -value;
  }
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < 20);
  while (n < width)
    buf[n++] = '0';
  while (n > 0)
    out += buf[--n];
}

}  // namespace

bool numeric(std::string_view in, std::string& out) {
  std::string_view s = in;
  if (s == "NaN" || s == "Infinity" || s == "-Infinity") {
    out.append(s);
    return true;
  }
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const auto dot = s.find('.');
  std::string_view int_part = s.substr(0, dot);
  std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (int_part.empty() && frac_part.empty())
    return false;
  if (!int_part.empty() && !all_digits(int_part))
    return false;
  if (!frac_part.empty() && !all_digits(frac_part))
    return false;
  while (int_part.size() > 1 && int_part.front() == '0')
    int_part.remove_prefix(1);
  while (!frac_part.empty() && frac_part.back() == '0')
    frac_part.remove_suffix(1);
  if (int_part.empty())
    int_part = "0";
  const bool zero = int_part == "0" && frac_part.empty();
  if (negative && !zero)
    out += '-';
  out.append(int_part);
  if (!frac_part.empty()) {
    out += '.';
    out.append(frac_part);
  }
  return true;
}

bool float64(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
  } else {
    if (value == 0)
      value = 0;  // -0 and 0 are one value
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
  }
  return true;
}

bool float32(float value, std::string& out) {
  if (std::isnan(value) || std::isinf(value))
    return float64(value, out);
  if (value == 0)
    value = 0;
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
  return true;
}

bool float_text(std::string_view in, LogicalType type, std::string& out) {
  if (in == "NaN" || in == "nan")
    return float64(NAN, out);
  if (in == "Infinity" || in == "inf")
    return float64(INFINITY, out);
  if (in == "-Infinity" || in == "-inf")
    return float64(-INFINITY, out);
  const char* begin = in.data();
  const char* end = in.data() + in.size();
  if (begin != end && *begin == '+')
    ++begin;
  if (type == LogicalType::float32) {
    float v = 0;
    const auto r = std::from_chars(begin, end, v);
    if (r.ec != std::errc() || r.ptr != end)
      return false;
    return float32(v, out);
  }
  double v = 0;
  const auto r = std::from_chars(begin, end, v);
  if (r.ec != std::errc() || r.ptr != end)
    return false;
  return float64(v, out);
}

bool timestamp(std::string_view in, LogicalType type, std::string& out) {
  if (in == "infinity" || in == "-infinity") {
    out.append(in);
    return true;
  }
  // date part
  if (in.size() < 10 || in[4] != '-' || in[7] != '-')
    return false;
  const std::string_view y = in.substr(0, 4), mo = in.substr(5, 2), d = in.substr(8, 2);
  if (!all_digits(y) || !all_digits(mo) || !all_digits(d))
    return false;
  std::string_view rest = in.substr(10);
  int hh = 0, mi = 0, ss = 0;
  long long micros = 0;
  if (!rest.empty()) {
    if (rest.front() != ' ' && rest.front() != 'T')
      return false;
    rest.remove_prefix(1);
    if (rest.size() < 8 || rest[2] != ':' || rest[5] != ':')
      return false;
    if (!all_digits(rest.substr(0, 2)) || !all_digits(rest.substr(3, 2)) ||
        !all_digits(rest.substr(6, 2))) {
      return false;
    }
    hh = to_int(rest.substr(0, 2));
    mi = to_int(rest.substr(3, 2));
    ss = to_int(rest.substr(6, 2));
    rest.remove_prefix(8);
    if (!rest.empty() && rest.front() == '.') {
      rest.remove_prefix(1);
      std::size_t n = 0;
      while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n])))
        ++n;
      if (n == 0)
        return false;
      for (std::size_t i = 0; i < 6; ++i) {
        micros = micros * 10 + (i < n ? rest[i] - '0' : 0);
      }
      rest.remove_prefix(n);
    }
  }
  int offset_seconds = 0;
  if (!rest.empty()) {
    if (rest == "Z" || rest == "z") {
      rest = {};
    } else if (rest.front() == '+' || rest.front() == '-') {
      const int sign = rest.front() == '-' ? -1 : 1;
      rest.remove_prefix(1);
      std::string_view oh = rest.substr(0, 2), om, os;
      rest.remove_prefix(std::min<std::size_t>(2, rest.size()));
      if (!rest.empty() && rest.front() == ':')
        rest.remove_prefix(1);
      if (rest.size() >= 2) {
        om = rest.substr(0, 2);
        rest.remove_prefix(2);
        if (!rest.empty() && rest.front() == ':')
          rest.remove_prefix(1);
        if (rest.size() >= 2) {
          os = rest.substr(0, 2);
          rest.remove_prefix(2);
        }
      }
      if (!rest.empty() || !all_digits(oh) || (!om.empty() && !all_digits(om)) ||
          (!os.empty() && !all_digits(os))) {
        return false;
      }
      offset_seconds = sign * (to_int(oh) * 3600 + (om.empty() ? 0 : to_int(om) * 60) +
                               (os.empty() ? 0 : to_int(os)));
    } else {
      return false;
    }
    if (type != LogicalType::timestamptz)
      return false;
  }
  using namespace std::chrono;
  const year_month_day ymd{year{to_int(y)}, month{static_cast<unsigned>(to_int(mo))},
                           day{static_cast<unsigned>(to_int(d))}};
  if (!ymd.ok() || hh > 23 || mi > 59 || ss > 60)
    return false;
  sys_seconds t = sys_days{ymd} + hours{hh} + minutes{mi} + seconds{ss};
  t -= seconds{offset_seconds};
  const auto day_point = floor<days>(t);
  const year_month_day utc{day_point};
  const hh_mm_ss<seconds> tod{t - day_point};
  append_padded(out, static_cast<int>(utc.year()), 4);
  out += '-';
  append_padded(out, static_cast<unsigned>(utc.month()), 2);
  out += '-';
  append_padded(out, static_cast<unsigned>(utc.day()), 2);
  out += ' ';
  append_padded(out, tod.hours().count(), 2);
  out += ':';
  append_padded(out, tod.minutes().count(), 2);
  out += ':';
  append_padded(out, tod.seconds().count(), 2);
  out += '.';
  append_padded(out, micros, 6);
  if (type == LogicalType::timestamptz)
    out += 'Z';
  return true;
}

bool time(std::string_view in, std::string& out) {
  if (in.size() < 8 || in[2] != ':' || in[5] != ':')
    return false;
  out.append(in.substr(0, 8));
  std::string digits;
  if (in.size() > 8) {
    if (in[8] != '.')
      return false;
    digits = std::string(in.substr(9, 6));
    if (!all_digits(digits))
      return false;
  }
  digits.resize(6, '0');
  out += '.';
  out += digits;
  return true;
}

bool uuid(std::string_view in, std::string& out) {
  std::string hex;
  for (char c : in) {
    if (c == '-' || c == '{' || c == '}')
      continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return false;
    hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 32)
    return false;
  out += hex.substr(0, 8) + '-' + hex.substr(8, 4) + '-' + hex.substr(12, 4) + '-' +
         hex.substr(16, 4) + '-' + hex.substr(20);
  return true;
}

bool boolean(std::string_view in, std::string& out) {
  if (in == "t" || in == "1" || in == "true" || in == "TRUE" || in == "True") {
    out += '1';
    return true;
  }
  if (in == "f" || in == "0" || in == "false" || in == "FALSE" || in == "False") {
    out += '0';
    return true;
  }
  return false;
}

}  // namespace canonical
}  // namespace ferry::schema
