# python/python.mk - the shmrpc Python package (issue 14).  Meant to be
# included by the top-level Makefile (`include python/python.mk`), which
# defines BUILD, STATIC_LIB, EXDIR, PREFIX, DESTDIR and WERROR.
#
#   make python           build the package for $(PYTHON) (default python3)
#   make test-python      run its tests (pytest if importable, else unittest)
#   make python-install   install it for $(PYTHON) under $(DESTDIR)$(PREFIX)
#   make PYTHON=/usr/bin/python3 python test-python   another interpreter
#
# Each interpreter gets a build directory of its own: pyenv's python3 and
# Debian's /usr/bin/python3 are both CPython 3.11 with one SOABI, so the
# directory name carries a hash of the interpreter's real path.

PYTHON    ?= python3
PY_TAG    := $(shell $(PYTHON) -c 'import hashlib, os, sys; print("%s-%s" % (sys.implementation.cache_tag, hashlib.sha1(os.path.realpath(sys.executable).encode()).hexdigest()[:8]))' 2>/dev/null)
PY_BUILD   = $(BUILD)/python/$(PY_TAG)
PY_LIBDIR  = $(PY_BUILD)/lib
PY_DEPS    = python/setup.py $(wildcard python/src/*.c python/src/*.h python/shmrpc/*.py)

.PHONY: python test-python python-install python-uninstall python-libdir

python: $(PY_BUILD)/.built

$(PY_BUILD)/.built: $(PY_DEPS) $(STATIC_LIB) libshmrpc/include/shmrpc.h libshmrpc/src/codec/float_format.h
	@test -n "$(PY_TAG)" || { echo "python.mk: $(PYTHON) does not run" >&2; exit 1; }
	SHMRPC_LIB=$(abspath $(STATIC_LIB)) \
	SHMRPC_CFLAGS="$(if $(filter 1,$(WERROR)),-Werror)" \
	    $(PYTHON) python/setup.py -q build --force \
	    --build-base $(abspath $(PY_BUILD)) --build-lib $(abspath $(PY_LIBDIR))
	@touch $@

python-libdir:
	@echo $(PY_LIBDIR)

# Needs the C tools and examples for the interop tests.
test-python: python all
	BUILD=$(BUILD) EXDIR=$(EXDIR) PYTHON=$(PYTHON) PY_LIBDIR=$(PY_LIBDIR) \
	    python/run-tests.sh

# setuptools' install with --root installs flat (no egg), where this
# interpreter looks for packages under PREFIX (Debian: dist-packages).
python-install: python
	SHMRPC_LIB=$(abspath $(STATIC_LIB)) $(PYTHON) python/setup.py -q \
	    egg_info --egg-base $(abspath $(PY_BUILD)) \
	    build --build-base $(abspath $(PY_BUILD)) --build-lib $(abspath $(PY_LIBDIR)) \
	    install --skip-build --root "$(if $(DESTDIR),$(abspath $(DESTDIR)),/)" \
	    --prefix "$(PREFIX)" --record $(abspath $(PY_BUILD))/installed.txt

# Removes what the last python-install from this build tree installed.
python-uninstall:
	@if [ -f $(PY_BUILD)/installed.txt ]; then \
	    sed 's|^/*|$(DESTDIR)/|' $(PY_BUILD)/installed.txt | xargs -r rm -f; \
	    rm -f $(PY_BUILD)/installed.txt; fi
