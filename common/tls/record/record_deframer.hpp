#pragma once
// Splits the received byte stream into records (RFC 8446 section 5.1), checking the header
// before a single byte of the fragment is buffered beyond the limit.
//
// Memory (issue 17, idle channels cost little): records are cut straight out of the caller's
// bytes (lend()); only a record that a read ended inside is copied, into a buffer sized for
// that record, and the buffer is freed as soon as the record is complete. A deframer between
// records holds no memory at all (retained() == 0).
#include <optional>

#include "common/crypto/bytes.hpp"
#include "common/tls/record/content_type.hpp"

namespace sc::tls {

struct Record {
  std::uint8_t type = 0;
  Bytes header;  // the 5 header bytes: the AAD of a protected record
  Bytes fragment;
};

class RecordDeframer {
 public:
  // Ends a loan of received bytes (see lend()): what next() did not take, an unfinished
  // record, is copied into the deframer's buffer by keep_unread().
  class Loan {
   public:
    explicit Loan(RecordDeframer& deframer) : deframer_(&deframer) {}
    Loan(const Loan&) = delete;
    Loan& operator=(const Loan&) = delete;
    // Without keep_unread() (an exception is failing the connection), the borrowed bytes are
    // forgotten rather than left dangling.
    ~Loan() { deframer_->forget_borrowed(); }
    void keep_unread() { deframer_->keep_borrowed(); }

   private:
    RecordDeframer* deframer_;
  };

  // Copies the bytes into the deframer's buffer.
  void feed(ByteView bytes);
  // Lets next() cut records straight out of `bytes`, which must outlive the loan: a full
  // 16 KiB record is then copied once (into its fragment) instead of twice. When the deframer
  // still holds the start of a record, next() copies only the bytes that complete it.
  [[nodiscard]] Loan lend(ByteView bytes);
  // The next complete record, or nullopt when more bytes are needed. protected_input: the
  // peer's records are encrypted now (length limit 2^14+256, else 2^14).
  // accept_any_tls_version: any legacy_record_version 0x03XX is acceptable (plaintext records,
  // RFC 8446 section 5.1: the field is ignored); otherwise only 0x0303.
  std::optional<Record> next(bool protected_input, bool accept_any_tls_version);
  std::size_t buffered() const { return buffer_.size() - position_ + borrowed_.size(); }
  // Bytes of memory the deframer holds (its buffer's capacity): at most one unfinished record
  // when fed through lend(), 0 whenever no record is unfinished.
  std::size_t retained() const { return buffer_.capacity(); }

 private:
  void keep_borrowed();
  void forget_borrowed() noexcept { borrowed_ = {}; }
  // Appends to the buffer, dropping what next() consumed and growing it to exactly the size
  // needed: to the whole record once its header is known, so that it is allocated once.
  void append(ByteView bytes);
  // Moves from the borrowed bytes into the buffer what completes the record the buffer starts.
  void complete_buffered_record(bool protected_input, bool accept_any_tls_version);
  void release_buffer() noexcept;

  Bytes buffer_;
  std::size_t position_ = 0;
  ByteView borrowed_;  // lent bytes not yet taken; they follow whatever buffer_ holds unread
};

}  // namespace sc::tls
