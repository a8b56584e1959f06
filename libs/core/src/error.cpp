#include <casio/core/error.hpp>
