# Every external dependency is found here, once. All come from Debian 12 packages
# (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
find_package(OpenSSL 3 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(yaml-cpp REQUIRED)
if(CASIO_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
# Text extraction (libs/extract): PDF through poppler's core API (libpoppler-private-dev, whose
# headers are those of the installed libpoppler, so the unstable ABI matches), OOXML through libzip
# and libxml2.
find_package(PkgConfig REQUIRED)
pkg_check_modules(POPPLER REQUIRED IMPORTED_TARGET GLOBAL poppler)
if(NOT EXISTS "${POPPLER_INCLUDEDIR}/poppler/TextOutputDev.h")
  message(FATAL_ERROR "poppler's private headers are missing: install libpoppler-private-dev")
endif()
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET GLOBAL libzip)
find_package(LibXml2 REQUIRED)
