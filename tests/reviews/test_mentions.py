"""Who a note mentions: members by ``@name`` or ``@email``, as whole words, never the author."""

from wegotwork.reviews.rules import Mentionable, mentioned

ADA = Mentionable("u1", "Ada Lovelace", "ada@example.com")
ALAN = Mentionable("u2", "Alan Turing", "alan@example.com")
MEMBERS = [ADA, ALAN]


def test_names_and_emails_mention_members() -> None:
    assert mentioned("Thoughts, @Ada Lovelace?", MEMBERS, author_id="x") == ["u1"]
    assert mentioned("cc @alan@example.com.", MEMBERS, author_id="x") == ["u2"]
    assert mentioned("@ada lovelace and @ALAN TURING", MEMBERS, author_id="x") == ["u1", "u2"]


def test_only_whole_words_mention() -> None:
    assert mentioned("mail ada@example.com", MEMBERS, author_id="x") == []
    assert mentioned("@Ada Lovelaces", MEMBERS, author_id="x") == []
    assert mentioned("@ada@example.com.evil", MEMBERS, author_id="x") == []
    assert mentioned("@Ada", MEMBERS, author_id="x") == []


def test_the_author_and_strangers_are_not_mentioned() -> None:
    assert mentioned("note to self @Ada Lovelace", MEMBERS, author_id="u1") == []
    assert mentioned("@Grace Hopper @grace@example.com", MEMBERS, author_id="x") == []
