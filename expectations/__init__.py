"""Great Expectations suites as code: what arriving data must satisfy before it is committed."""
