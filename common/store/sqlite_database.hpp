#pragma once
// The SQLite backend of the storage seam (database.hpp): one file, WAL mode, writers serialized
// by BEGIN IMMEDIATE and the busy timeout. Not thread-safe: a store guards it with its mutex.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/store/database.hpp"
#include "common/store/sqlite.hpp"

namespace sc::store {

// Creates `file` with mode 0600 when absent (SQLite would create it 0644 and give its -wal and
// -shm companions the same mode), and refuses a symbolic link, a non-regular file or a file
// group or others can access. Throws StoreError(schema) or std::system_error.
void prepare_private_database_file(const std::filesystem::path& file);

class SqliteConnection final : public Database {
 public:
  SqliteConnection(StoreLocation location, const DatabaseOptions& options);
  ~SqliteConnection() override;

  Backend backend() const override { return Backend::sqlite; }
  const StoreLocation& location() const override { return location_; }
  void execute_script(std::string_view sql) override;
  std::vector<SqlRow> query(std::string_view sql, const SqlParameters& parameters) override;
  std::int64_t run(std::string_view sql, const SqlParameters& parameters) override;
  void begin(TransactionMode mode) override;
  void commit() override;
  void rollback() noexcept override;
  std::int64_t commits() const override { return database_.commits(); }
  std::string_view lock_rows() const override { return ""; }

  SqliteDatabase& native() { return database_; }

 private:
  template <typename Action>
  auto translated(std::string_view what, Action&& action) -> decltype(action());
  SqliteStatement& prepared(std::string_view sql, const SqlParameters& parameters);

  StoreLocation location_;
  SqliteDatabase database_;
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> statements_;
};

}  // namespace sc::store
