-- the communes of each unit are derived from the reference data: written anew at every init
delete from unit_member
