-- Orleans ADO.NET main table for SQLite, from the Microsoft Orleans project (MIT license), for Orleans 10.4.
-- Orleans reads its queries from this table by key; the persistence script adds the storage queries.
CREATE TABLE OrleansQuery
(
    QueryKey  TEXT PRIMARY KEY,
    QueryText TEXT NOT NULL
);
