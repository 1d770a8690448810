// The bench commands' --plot: a grouped bar chart as a standalone SVG document, written by
// hand (a few elements; no library).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "ferry/engine/bench.hpp"

namespace ferry::engine {
namespace {

constexpr std::array<const char*, 4> k_colors = {"#3b6ea8", "#e0913a", "#5a9e5a", "#a8423b"};
constexpr double k_left = 80, k_right = 20, k_top = 50, k_plot_height = 260, k_label_height = 110;
constexpr double k_bar_width = 26, k_group_gap = 24;

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t')
          out += c;
    }
  }
  return out;
}

// 1, 2 or 5 times a power of ten, at or above `value / 5`: five or so grid lines.
double grid_step(double value) {
  if (value <= 0)
    return 1;
  const double rough = value / 5;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= rough)
      return m * power;
  }
  return 10 * power;
}

double finite(double v) {
  return std::isfinite(v) && v > 0 ? v : 0.0;
}

}  // namespace

std::string render_svg(const BarChart& chart) {
  const std::size_t series = std::max<std::size_t>(1, chart.series.size());
  const double group_width = static_cast<double>(series) * k_bar_width + k_group_gap;
  const double width =
      k_left + k_right + std::max(240.0, static_cast<double>(chart.groups.size()) * group_width);
  const double height = k_top + k_plot_height + k_label_height;
  double top = 0;
  for (const auto& g : chart.groups) {
    for (double v : g.values)
      top = std::max(top, finite(v));
  }
  const double step = grid_step(top);
  const double axis_max = std::max(step, std::ceil(top / step) * step);
  const double base = k_top + k_plot_height;

  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" "
      "viewBox=\"0 0 {0:.0f} {1:.0f}\" font-family=\"sans-serif\" font-size=\"12\">\n"
      "<title>{2}</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"{0:.0f}\" height=\"{1:.0f}\" fill=\"white\"/>\n"
      "<text x=\"{3:.0f}\" y=\"22\" font-size=\"15\">{2}</text>\n",
      width, height, escape(chart.title), k_left);
  for (double v = 0; v <= axis_max + step / 2; v += step) {
    const double y = base - v / axis_max * k_plot_height;
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#ddd\"/>\n"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:g}</text>\n",
        k_left, y, width - k_right, k_left - 6, y + 4, v);
  }
  out += fmt::format(
      "<text x=\"16\" y=\"{0:.1f}\" transform=\"rotate(-90 16 {0:.1f})\" "
      "text-anchor=\"middle\">{1}</text>\n",
      k_top + k_plot_height / 2, escape(chart.unit));
  for (std::size_t gi = 0; gi < chart.groups.size(); ++gi) {
    const BarChart::Group& g = chart.groups[gi];
    const double x0 = k_left + k_group_gap / 2 + static_cast<double>(gi) * group_width;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const double v = s < g.values.size() ? finite(g.values[s]) : 0.0;
      const double h = v / axis_max * k_plot_height;
      out += fmt::format(
          "<rect class=\"bar\" data-label=\"{}\" data-series=\"{}\" data-value=\"{:g}\" "
          "x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {:.1f} {}</title></rect>\n",
          escape(g.label), escape(chart.series[s]), v, x0 + static_cast<double>(s) * k_bar_width,
          base - h, k_bar_width - 2, h, k_colors[s % k_colors.size()], escape(g.label),
          escape(chart.series[s]), v, escape(chart.unit));
    }
    const double cx = x0 + static_cast<double>(series) * k_bar_width / 2;
    out += fmt::format(
        "<text x=\"{0:.1f}\" y=\"{1:.1f}\" transform=\"rotate(35 {0:.1f} {1:.1f})\">{2}</text>\n",
        cx, base + 14, escape(g.label));
  }
  out += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"#333\"/>\n",
      k_left, base, width - k_right);
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const double x = k_left + static_cast<double>(s) * 110;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"30\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"39\">{}</text>\n",
        x, k_colors[s % k_colors.size()], x + 14, escape(chart.series[s]));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace ferry::engine
