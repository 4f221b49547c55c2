import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "real_exports"


@pytest.fixture
def real_exports() -> Path:
    if not (REAL / "expected.json").exists():
        pytest.skip("../shared/real_exports is absent (real exports are not copied into the project)")
    return REAL
