-- Orleans ADO.NET main table for MySQL/MariaDB, from the Microsoft Orleans project (MIT license), for Orleans 10.4.
-- Orleans reads every query it issues from this table by key; the clustering, persistence and reminder scripts
-- add theirs. Apply this script first. The cluster mode applies all four at start when their tables are missing.
CREATE TABLE OrleansQuery
(
    QueryKey VARCHAR(64) NOT NULL,
    QueryText VARCHAR(8000) NOT NULL,

    CONSTRAINT OrleansQuery_Key PRIMARY KEY(QueryKey)
);
