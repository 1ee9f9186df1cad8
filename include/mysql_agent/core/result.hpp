#pragma once
// A value or a failure described for a person. Parsers and planners return this; malformed input
// is a value, never a crash (see STYLE.md "Errors").

#include <string>
#include <utility>
#include <variant>

namespace mysql_agent {

/// What went wrong, written for an operator: what was being done, with which input, what to do.
struct error {
    std::string message;
};

/// Holds either a T or an error. Accessing the wrong alternative is a programming error.
template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }

    const error& err() const { return std::get<1>(v_); }
    const std::string& message() const { return std::get<1>(v_).message; }

private:
    std::variant<T, error> v_;
};

/// Success without a value.
struct ok_t {};
using status = result<ok_t>;
inline status ok() { return ok_t{}; }

}  // namespace mysql_agent
