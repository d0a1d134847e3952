#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests), PostgreSQL (the suite runs on it
# too), a font with Vietnamese glyphs (generated PDFs) and Tesseract with its Vietnamese model (OCR
# of scans; without it Kho still files scans, flagged "needs OCR"), LibreOffice without its GUI and
# bubblewrap (Office files → sandboxed PDF access copies; without them DOC/XLS are refused and
# DOCX/ODT/RTF get no PDF copy). Installs them when run as root;
# otherwise says exactly what to install. Usage: scripts/system-deps.sh [--check]
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
compgen -G "/usr/share/tesseract-ocr/*/tessdata/vie.traineddata" >/dev/null || missing+=(tesseract-ocr-vie)
[ -f /usr/lib/libreoffice/program/libswlo.so ] || missing+=(libreoffice-writer-nogui)
[ -f /usr/lib/libreoffice/program/libsclo.so ] || missing+=(libreoffice-calc-nogui)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ] || [ "$(id -u)" -ne 0 ]; then
  echo "Thiếu gói hệ thống / missing Debian packages: ${missing[*]}" >&2
  echo "Cài bằng / install with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
