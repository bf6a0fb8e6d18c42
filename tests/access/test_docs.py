from pathlib import Path

from callstudio.access.docs import permissions_matrix_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_the_documented_matrix_is_the_codes():
    text = DOC.read_text()
    documented = text.split("<!-- matrix:start -->\n", 1)[1].split("\n<!-- matrix:end -->", 1)[0]
    assert documented == permissions_matrix_markdown()
