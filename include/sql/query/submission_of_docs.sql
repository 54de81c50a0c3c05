-- the submission whose validation page a path is (who may see the page is who may see its file)
select id
from submission
where docs_path = :docs_path
