from keel.tools._docstring import parse_docstring


def test_no_docstring_gives_nothing() -> None:
    assert parse_docstring(None).summary == ""
    assert parse_docstring("").params == {}


def test_summary_is_the_first_paragraph_joined() -> None:
    doc = parse_docstring(
        """Look up an order
        by its number.

        Second paragraph, not part of the summary.
        """
    )
    assert doc.summary == "Look up an order by its number."


def test_summary_stops_at_a_section_heading_without_blank_line() -> None:
    doc = parse_docstring(
        """Look up an order.
        Args:
            order_id: The number.
        """
    )
    assert doc.summary == "Look up an order."
    assert doc.params == {"order_id": "The number."}


def test_a_summary_ending_in_a_colon_is_not_a_heading() -> None:
    assert parse_docstring("Fetch the following:\n  items").summary == "Fetch the following: items"


def test_google_args_with_types_and_continuations() -> None:
    doc = parse_docstring(
        """Search.

        Args:
            query (str): What to look for,
                in plain words.
            limit: At most this many.

                Never zero.
            *tags: Ignored star.

        Returns:
            hits: not a parameter.
        """
    )
    assert doc.params == {
        "query": "What to look for, in plain words.",
        "limit": "At most this many. Never zero.",
        "tags": "Ignored star.",
    }


def test_numpy_parameters() -> None:
    doc = parse_docstring(
        """Search.

        Parameters
        ----------
        query : str
            What to look for,
            in plain words.
        limit : int, optional
            At most this many.

        Returns
        -------
        list
            The hits.
        """
    )
    assert doc.summary == "Search."
    assert doc.params == {
        "query": "What to look for, in plain words.",
        "limit": "At most this many.",
    }


def test_rest_params() -> None:
    doc = parse_docstring(
        """Search.

        :param query: What to look for,
            in plain words.
        :param int limit: At most this many.
        :returns: hits
        """
    )
    assert doc.params == {
        "query": "What to look for, in plain words.",
        "limit": "At most this many.",
    }
