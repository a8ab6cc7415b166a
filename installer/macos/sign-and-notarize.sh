#!/usr/bin/env bash
# Signs Dealscope.app inside the .dmg made by CPack, notarises the .dmg with Apple and staples
# the ticket, so that Gatekeeper opens it without a warning. Run on a Mac with Xcode:
#   installer/macos/sign-and-notarize.sh build-mac/package/Dealscope-0.1.0.dmg
#
# TO FILL IN before the first signed release (none of this exists yet):
#   DEALSCOPE_SIGN_IDENTITY   "Developer ID Application: <Company> (<TEAMID>)", a certificate
#                             in the login keychain (CI: imported from a secret .p12)
#   DEALSCOPE_NOTARY_PROFILE  a notarytool keychain profile made once with
#                             xcrun notarytool store-credentials <profile> --apple-id … --team-id …
#   Entitlements: none are needed today (no JIT, no network server in the app); add a
#   --entitlements file here if that changes.
set -euo pipefail

dmg=${1:?usage: sign-and-notarize.sh Dealscope-VERSION.dmg}
identity=${DEALSCOPE_SIGN_IDENTITY:?set DEALSCOPE_SIGN_IDENTITY (see the top of this script)}
profile=${DEALSCOPE_NOTARY_PROFILE:?set DEALSCOPE_NOTARY_PROFILE (see the top of this script)}

work=$(mktemp -d)
trap 'hdiutil detach "$work/mnt" -quiet 2>/dev/null || true; rm -rf "$work"' EXIT

# 1. Copy the app out of the read-only image.
hdiutil attach "$dmg" -mountpoint "$work/mnt" -nobrowse -quiet
ditto "$work/mnt/Dealscope.app" "$work/Dealscope.app"
hdiutil detach "$work/mnt" -quiet
volume=$(basename "${dmg%.dmg}" | tr '-' ' ') # Dealscope-0.1.0.dmg -> "Dealscope 0.1.0"

# 2. Sign from the inside out (frameworks and plugins, then the executables, then the bundle),
#    with the hardened runtime and a secure time stamp, as notarisation requires.
find "$work/Dealscope.app/Contents" \( -name '*.dylib' -o -name '*.framework' \) -print0 |
    xargs -0 -n1 codesign --force --options runtime --timestamp --sign "$identity"
codesign --force --options runtime --timestamp --sign "$identity" "$work/Dealscope.app/Contents/MacOS/dealscope-cli"
codesign --force --options runtime --timestamp --sign "$identity" "$work/Dealscope.app"
codesign --verify --deep --strict --verbose=2 "$work/Dealscope.app"

# 3. A new image with the signed app, signed itself.
signed="${dmg%.dmg}-signed.dmg"
hdiutil create -volname "$volume" -srcfolder "$work/Dealscope.app" -ov -format UDZO "$signed"
codesign --force --timestamp --sign "$identity" "$signed"

# 4. Notarise and staple.
xcrun notarytool submit "$signed" --keychain-profile "$profile" --wait
xcrun stapler staple "$signed"
spctl --assess --type open --context context:primary-signature --verbose "$signed"
echo "sign-and-notarize: $signed is signed, notarised and stapled"
