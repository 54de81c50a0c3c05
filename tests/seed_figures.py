"""District totals stated in the hand-written 2022-H1 report (shared/seed), keyed
(form, indicator, category). The sample inbox must reproduce every one of them."""

SEED_2022_H1 = {
    ("health", "the_bhyt", ""): 30447,
    ("health", "the_bhyt_ho_ngheo", ""): 5057,
    ("health", "luot_kham", ""): 13066,
    ("health", "luot_kham_ho_ngheo", ""): 3041,
    ("health", "chi_phi_kham_ho_ngheo", ""): 715679649,
    ("health", "ho_tro_sinh_con_nguoi", ""): 4,
    ("health", "ho_tro_sinh_con_kinh_phi", ""): 8000000,
    ("health", "tre_duoi_1_tuoi", ""): 446,
    ("health", "tre_tiem_chung_day_du", ""): 92,
    ("health", "vu_ngo_doc_thuc_pham", ""): 0,
    ("education", "so_hoc_sinh", "mien_giam_hoc_phi"): 3514,
    ("education", "kinh_phi", "mien_giam_hoc_phi"): 248229000,
    ("education", "so_hoc_sinh", "chi_phi_hoc_tap"): 2062,
    ("education", "kinh_phi", "chi_phi_hoc_tap"): 667600900,
    ("education", "so_hoc_sinh", "an_trua_mam_non"): 1735,
    ("education", "kinh_phi", "an_trua_mam_non"): 1245200000,
    ("education", "so_hoc_sinh", "hoc_bong_khuyet_tat"): 130,
    ("education", "kinh_phi", "hoc_bong_khuyet_tat"): 740256000,
    ("education", "so_hoc_sinh", "ban_tru_tien_an_nha_o"): 947,
    ("education", "kinh_phi", "ban_tru_tien_an_nha_o"): 2672595000,
    ("education", "so_hoc_sinh", "ban_tru_gao"): 944,
    ("education", "gao_kg", "ban_tru_gao"): 62955,
    ("bank", "luot_vay", "ho_ngheo"): 1316,
    ("bank", "so_tien_trieu_dong", "ho_ngheo"): 66363,
    ("bank", "luot_vay", "ho_can_ngheo"): 1229,
    ("bank", "so_tien_trieu_dong", "ho_can_ngheo"): 80709,
    ("bank", "luot_vay", "xuat_khau_lao_dong"): 21,
    ("bank", "so_tien_trieu_dong", "xuat_khau_lao_dong"): 1418,
    ("commune", "chi_tieu_giam_ho_ngheo", ""): 410,
    ("commune", "chi_tieu_viec_lam_moi", ""): 700,
    ("commune", "viec_lam_moi_trong_nuoc", ""): 452,
    ("commune", "lao_dong_nuoc_ngoai", ""): 6,
    ("commune", "bo_doi_xuat_ngu_tu_van", ""): 86,
    ("commune", "nha_o_van_dong", ""): 26,
    ("commune", "nha_o_ho_tro_chuong_trinh", ""): 28,
    ("commune", "dau_thu_truyen_hinh", ""): 580,
    ("commune", "so_bang_tin", ""): 147,
    ("commune", "so_thon", ""): 147,
    ("commune", "tien_dien_luot_ho", ""): 3026,
    ("commune", "tien_dien_kinh_phi", ""): 467976000,
    ("models", "kinh_phi", ""): 517000000,
}

# ratios the report derives: "giảm 4,73% tỷ lệ hộ nghèo" (410 / Σ tong_so_ho), "92/446 trẻ đạt 20,6%"
POVERTY_TARGET_RATE_PERCENT = "4,73"
RADIO_80_PLUS = {"Cao Sơn", "Vi Hương", "Quân Hà", "Mỹ Thanh", "Quang Thuận", "Dương Phong", "Vũ Muộn", "Sỹ Bình",
                 "Phủ Thông"}
TV_RECEIVER_COMMUNES = {"Vi Hương", "Lục Bình", "Tân Tú", "Quân Hà", "Cẩm Giàng", "Nguyễn Phúc", "Mỹ Thanh",
                        "Phủ Thông"}
