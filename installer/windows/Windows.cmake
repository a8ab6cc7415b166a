# Windows: an NSIS installer (cpack -G NSIS) with the desktop app and dealscope-cli, Qt's DLLs
# and plugins deployed by windeployqt, and QtKeychain's DLL. Not built here (no Windows on the
# development machine); .github/workflows/packages.yml builds it on a Windows runner:
#   cmake -S . -B build-win -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEALSCOPE_BUILD_TESTS=OFF
#         -DDEALSCOPE_BUILD_SERVER=OFF -DCMAKE_PREFIX_PATH="<Qt>/msvc2019_64;<deps>"
#   cmake --build build-win
#   cpack --config build-win/CPackConfig.cmake -G NSIS -B build-win/package
# dealscope-server uses POSIX signals and threads (core/server) and is not part of it: the
# server is deployed on Linux (the .deb and its systemd units).
# Secrets: QtKeychain keeps them in the Windows Credential Manager.
set(CPACK_GENERATOR NSIS)
set(CPACK_PACKAGE_INSTALL_REGISTRY_KEY Dealscope)
set(CPACK_NSIS_PACKAGE_NAME "Dealscope")
set(CPACK_NSIS_DISPLAY_NAME "Dealscope ${PROJECT_VERSION}")
set(CPACK_NSIS_MUI_ICON ${CMAKE_CURRENT_SOURCE_DIR}/icons/dealscope.ico)
set(CPACK_NSIS_MUI_UNIICON ${CMAKE_CURRENT_SOURCE_DIR}/icons/dealscope.ico)
set(CPACK_NSIS_INSTALLED_ICON_NAME "bin\\\\dealscope.exe")
set(CPACK_NSIS_URL_INFO_ABOUT "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_NSIS_CONTACT "${CPACK_PACKAGE_CONTACT}")
set(CPACK_NSIS_ENABLE_UNINSTALL_BEFORE_INSTALL ON)
# Offers to put bin\ (dealscope-cli.exe) on PATH; the uninstaller takes it off again.
set(CPACK_NSIS_MODIFY_PATH ON)
# Start menu entry "Dealscope" (CPACK_PACKAGE_EXECUTABLES) and a desktop shortcut.
set(CPACK_CREATE_DESKTOP_LINKS dealscope)
# Opening .csv/.json files with Dealscope is left to the user ("Open with"), as is usual for
# file types that belong to other programs first.

# The application icon inside dealscope.exe (Explorer, taskbar, window).
set(_rc ${CMAKE_CURRENT_BINARY_DIR}/dealscope.rc)
file(WRITE ${_rc} "IDI_ICON1 ICON \"${CMAKE_CURRENT_SOURCE_DIR}/icons/dealscope.ico\"\n")
if(TARGET dealscope)
    target_sources(dealscope PRIVATE ${_rc})
endif()

# Qt: windeployqt copies the Qt DLLs, the platform, style, image, TLS and SQL plugins the
# programs use next to dealscope.exe (Qt's deploy script; Qt 6.4 spells its option
# FILENAME_VARIABLE). dealscope-cli.exe uses a subset of the same modules.
if(TARGET dealscope)
    qt_generate_deploy_app_script(TARGET dealscope FILENAME_VARIABLE _deploy_script NO_UNSUPPORTED_PLATFORM_ERROR)
    install(SCRIPT ${_deploy_script})
    # Libraries that are not Qt's (QtKeychain) are copied from the imported targets.
    install(FILES $<TARGET_RUNTIME_DLLS:dealscope> DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION doc)
