#pragma once
// A spreadsheet number as Excel shows it through its cell's number format, the way Apache POI's
// DataFormatter (Tika's xlsx text) renders it: dates and times, fixed decimals, thousands
// separators, percentages, scientific notation, literal text, and General (at most 10
// significant digits). Fractions and conditions are left to General.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace casio::extract::detail {

// The number formats of a workbook (xl/styles.xml): cell style index -> format code.
class number_formats {
  public:
    // From styles.xml: a <numFmt>, and each <xf> of <cellXfs> in order.
    void add_format(int id, std::string code) { custom_[id] = std::move(code); }
    void add_cell_style(int num_fmt_id) { cell_styles_.push_back(num_fmt_id); }

    // The text of number `raw` (as written in the sheet) in cell style `style` (the cell's `s`
    // attribute; -1 when it has none). Without any style, `raw` itself.
    std::string format(std::string_view raw, int style) const;

  private:
    std::string_view code_of(int num_fmt_id) const;
    std::map<int, std::string> custom_;
    std::vector<int> cell_styles_;
};

// `value` through format code `code` (exposed for the tests).
std::string format_number(double value, std::string_view code);

}  // namespace casio::extract::detail
