#!/usr/bin/env bash
# Installs what the warehouse comparison tests need, when it is missing:
# a PostgreSQL server (Debian's package) and DuckDB (the Python package);
# with --spark also pyspark (a local Spark session; needs Java 17+), whose
# absence is reported but not an error.
# Idempotent; prints what is in place. Called by .ci/run and by the tests.
set -euo pipefail

DUCKDB_VERSION="2.0.0"
PYSPARK_VERSION="4.3.0"

pg_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [[ -x "$d/postgres" && -x "$d/initdb" && -x "$d/pg_ctl" ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

if ! pg_bin >/dev/null || ! command -v psql >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "warehouse: installing postgresql (Debian package)" >&2
        export DEBIAN_FRONTEND=noninteractive
        # N.B. the package's own cluster may fail to start without an init
        # system; only the binaries matter here, so judge by them.
        apt-get update -qq >/dev/null || true
        apt-get install -y -qq --no-install-recommends postgresql >/dev/null ||
            echo "warehouse: apt-get reported a problem; checking the binaries" >&2
        if ! pg_bin >/dev/null; then
            echo "warehouse: PostgreSQL could not be installed" >&2
            exit 1
        fi
    else
        echo "warehouse: PostgreSQL is missing and cannot be installed here (need root and apt-get)" >&2
        exit 1
    fi
fi

if ! python3 -c "import duckdb" 2>/dev/null; then
    echo "warehouse: installing duckdb==$DUCKDB_VERSION (PyPI)" >&2
    python3 -m pip install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" >&2
fi

if [[ ${1:-} == --spark ]] && ! python3 -c "import pyspark" 2>/dev/null; then
    if command -v java >/dev/null; then
        echo "warehouse: installing pyspark==$PYSPARK_VERSION (PyPI)" >&2
        python3 -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION" >&2 ||
            echo "warehouse: pyspark could not be installed; the Spark round trip will be skipped" >&2
    else
        echo "warehouse: no Java runtime; the Spark round trip will be skipped" >&2
    fi
fi

echo "postgres: $(pg_bin)"
echo "duckdb: $(python3 -c 'import duckdb; print(duckdb.__version__)')"
if python3 -c "import pyspark" 2>/dev/null && command -v java >/dev/null; then
    echo "spark: $(python3 -c 'import pyspark; print(pyspark.__version__)')"
fi
