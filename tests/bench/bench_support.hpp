#pragma once
// Shared by the benchmark programs: argument parsing, PEM loading, medians and percentiles.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/pki/certificate.hpp"
#include "common/pki/chain_verifier.hpp"
#include "common/tls/engine.hpp"

namespace sc::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --name value pairs; a flag given without a value is "1".
class Arguments {
 public:
  Arguments(int argc, char** argv, std::string usage) : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected " + arg + "\n" + usage_);
      if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        values_[arg.substr(2)] = argv[++i];
      } else {
        values_[arg.substr(2)] = "1";
      }
    }
  }
  std::string text(const std::string& name) const {
    auto found = values_.find(name);
    if (found == values_.end())
      throw std::invalid_argument("--" + name + " is required\n" + usage_);
    return found->second;
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    auto found = values_.find(name);
    return found == values_.end() ? fallback : found->second;
  }
  double number(const std::string& name, double fallback) const {
    auto found = values_.find(name);
    return found == values_.end() ? fallback : std::stod(found->second);
  }

 private:
  std::string usage_;
  std::map<std::string, std::string> values_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

inline std::shared_ptr<const tls::CertificateVerifier> load_verifier(const std::string& ca_file) {
  auto roots = pki::Certificate::chain_from_pem(read_text(ca_file));
  if (roots.empty()) throw std::runtime_error("no certificate in " + ca_file);
  return std::make_shared<pki::ChainVerifier>(std::move(roots));
}

// Nearest-rank percentile (p in 0..100) of the values.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  std::size_t rank =
      static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return values[rank - 1];
}

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n == 0) return 0;
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace sc::bench
