"""Small shared building blocks: ids, money, repositories, pagination, holiday calendars."""
