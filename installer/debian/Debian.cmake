# The Debian package (cpack -G DEB in a build configured with -DCMAKE_INSTALL_PREFIX=/usr).
# scripts/package-check.sh builds it, runs lintian, installs it with apt-get, runs the
# installed programs and purges it again.
set(CPACK_GENERATOR DEB)
# Installed where the build says, so that the unit's ExecStart= and /etc/dealscope match.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    message(STATUS "The .deb of this build installs into ${CMAKE_INSTALL_PREFIX}; configure with -DCMAKE_INSTALL_PREFIX=/usr for a Debian package")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CPACK_PACKAGE_HOMEPAGE_URL}")
# The extended description (CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY above it).
file(READ debian/description.txt CPACK_DEBIAN_PACKAGE_DESCRIPTION)
# Library dependencies come from dpkg-shlibdeps; the Qt SQLite driver is a plugin it cannot see.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libqt6sql6-sqlite")
# Wayland sessions without qt6-wayland fall back to XWayland; the keychain backends come
# through libqt6keychain1's own recommendations.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-wayland")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "redis-server")
# Maintainer scripts (systemd reload, stop on removal, cleanup on purge) and the conffiles.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/debian/postrm)
if(DEALSCOPE_CONFFILES)
    # dpkg-deb does not mark files under /etc as conffiles by itself (debhelper would).
    set(_conffiles ${CMAKE_CURRENT_BINARY_DIR}/debian/conffiles)
    string(REPLACE ";" "\n" _conffile_lines "${DEALSCOPE_CONFFILES}")
    file(WRITE ${_conffiles} "${_conffile_lines}\n")
    list(APPEND CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${_conffiles})
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# What dh_strip does beyond CPACK_STRIP_FILES: drop the compiler's .comment and .note sections.
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_SOURCE_DIR}/debian/StripSections.cmake)
