#include "reporting/csv.hpp"

namespace tiket::reporting {

std::string csv_field(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) {
    return std::string(text);
  }
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"') {
      out += '"';
    }
    out += c;
  }
  out += '"';
  return out;
}

std::string to_csv(const std::vector<std::string>& columns, const nlohmann::json& items) {
  std::string out;
  const auto line = [&out](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) {
        out += ',';
      }
      out += csv_field(fields[i]);
    }
    out += "\r\n";
  };
  line(columns);
  for (const auto& item : items) {
    std::vector<std::string> fields;
    fields.reserve(columns.size());
    for (const auto& column : columns) {
      const auto it = item.find(column);
      if (it == item.end() || it->is_null()) {
        fields.emplace_back();
      } else if (it->is_string()) {
        fields.push_back(it->get<std::string>());
      } else {
        fields.push_back(it->dump());
      }
    }
    line(fields);
  }
  return out;
}

}  // namespace tiket::reporting
