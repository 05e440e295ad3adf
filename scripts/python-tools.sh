#!/usr/bin/env bash
# The Python tools the test suite runs, in the repository's .venv/ (nothing global):
# Schemathesis for the OpenAPI run, aiosmtpd, the real SMTP server of the email tests, and
# standardwebhooks, the Standard Webhooks reference library the webhook tests' receiver verifies
# every signature with.
#
#   source scripts/python-tools.sh && ensure_python_tools   # exports ORDERLY_AIOSMTPD_PYTHON

# The newest Python 3.12+ on PATH or under pyenv; Python 3.11's parser can trip over
# Hypothesis's introspection of Schemathesis's largest modules.
pick_python() {
    local candidates=(python3.14 python3.13 python3.12)
    if command -v pyenv >/dev/null 2>&1; then
        local dir
        while IFS= read -r dir; do
            candidates+=("$dir/bin/python3")
        done < <(ls -d "$(pyenv root)"/versions/3.1[2-9]* 2>/dev/null | sort -rV)
    fi
    local candidate
    for candidate in "${candidates[@]}"; do
        if "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    echo python3
}

ensure_python_tools() {
    local python
    python="$(pick_python)"
    if [ -x .venv/bin/python ] \
        && ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
        && [ "$python" != python3 ]; then
        rm -rf .venv
    fi
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
    fi
    if ! .venv/bin/python -c 'import schemathesis, aiosmtpd, standardwebhooks' 2>/dev/null; then
        .venv/bin/pip install --quiet --disable-pip-version-check \
            "schemathesis${SCHEMATHESIS_VERSION:->=4,<5}" "aiosmtpd>=1.4,<2" \
            "standardwebhooks>=1.0,<2"
    fi
    export ORDERLY_AIOSMTPD_PYTHON="$PWD/.venv/bin/python"
    export ORDERLY_WEBHOOK_PYTHON="$PWD/.venv/bin/python"
}
