// The standard library's module names (private to lab::envs; see stdlib_modules.cpp).
#pragma once

#include <span>
#include <string_view>

namespace lab::envs::detail {

// True when `top_level` (e.g. "os", "json", "__future__") is a standard-library module.
bool is_stdlib_module(std::string_view top_level);

// Every name, sorted.
std::span<const std::string_view> stdlib_modules();

}  // namespace lab::envs::detail
