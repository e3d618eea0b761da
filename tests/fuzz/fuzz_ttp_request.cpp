// Fuzz target: the TTP's request framing (RequestAssembler) and CSR parsing. Bytes are fed in
// arbitrary splits; every PEM block that comes out is parsed as a CSR, and the raw input is
// parsed as a DER CSR too. Only PkiError / CryptoError may escape the CSR parsers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include "common/crypto/error.hpp"
#include "common/pki/certificate_signing_request.hpp"
#include "common/pki/pki_error.hpp"
#include "ttp/request_assembler.hpp"

namespace {

void parse_csr_pem(std::string_view pem) {
  try {
    (void)sc::pki::CertificateSigningRequest::from_pem(pem);
  } catch (const sc::pki::PkiError&) {
  } catch (const sc::crypto::CryptoError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t chunk = static_cast<std::size_t>(data[0]) * 4 + 1;
  sc::ByteView stream(data + 1, size - 1);
  sc::ttp::RequestAssembler assembler;
  for (std::size_t offset = 0; offset < stream.size(); offset += chunk) {
    assembler.receive(stream.subspan(offset, std::min(chunk, stream.size() - offset)));
    if (assembler.buffered() >
        sc::ttp::RequestAssembler::max_line_length + sc::ttp::RequestAssembler::max_pem_size + 2) {
      std::abort();  // the memory cap was not kept
    }
    while (auto request = assembler.next()) {
      if (!request->pem.empty()) parse_csr_pem(request->pem);
    }
  }
  try {
    (void)sc::pki::CertificateSigningRequest::from_der(stream);
  } catch (const sc::pki::PkiError&) {
  } catch (const sc::crypto::CryptoError&) {
  }
  return 0;
}
