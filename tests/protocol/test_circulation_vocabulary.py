"""The refusal vocabulary: every code has a sentence in every language."""
import pytest

from protocol.circulation import LANGUAGES, REFUSALS, Refusal, refusal_message


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_given_a_refusal_code_when_worded_then_every_language_has_a_distinct_sentence(code):
    sentences = [REFUSALS[code][lang] for lang in LANGUAGES]
    assert all(s and s.endswith((".", "!")) for s in sentences)
    assert len(set(sentences)) == len(LANGUAGES)


def test_given_spanish_when_a_refusal_is_built_then_its_message_is_spanish_and_code_unchanged():
    refusal = Refusal.of("item_reference", "es")
    assert refusal.to_json() == {"code": "item_reference",
                                 "message": "Este libro tiene que quedarse en la biblioteca."}


def test_given_an_unknown_code_when_built_then_it_is_a_programming_error():
    with pytest.raises(KeyError):
        Refusal.of("no_such_code")
    assert "bibliotecario" in refusal_message("no_such_code", "es")
