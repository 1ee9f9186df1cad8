// fmt's compiled part, built once for the whole program. With FMT_HEADER_ONLY every translation unit that logs
// compiled it again (about a third of such a unit's time, measured); the targets define neither FMT_HEADER_ONLY
// nor link Debian's shared libfmt (a -static link cannot take it), so the definitions live here.
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
// What <fmt/format.h> declares `extern template` or leaves to the compiled library, for char only (the agent
// formats no wide strings).
template FMT_API auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template FMT_API auto decimal_point_impl(locale_ref) -> char;
template FMT_API void buffer<char>::append(const char*, const char*);
template FMT_API void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);
template FMT_API locale_ref::locale_ref(const std::locale& loc);
template FMT_API auto locale_ref::get<std::locale>() const -> std::locale;
}  // namespace detail
FMT_END_NAMESPACE
