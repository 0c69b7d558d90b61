#!/usr/bin/env python3
"""Generate the skingraph demo catalogue: datasets/demo/products.jsonl and reviews.jsonl.

Everything here is fictional and written by the skingraph authors: brands, product names,
formulations and review texts. The knowledge that drives it (base formulations in label order,
where actives sit on a label, which ingredients clog pores or sting) is written out by hand
below so that a reader can check how the data was made.

The outcome model gives the reviews a signal a recommender can learn: a reviewer's rating and
reported effects depend on the product's ingredients against the reviewer's skin type,
concerns and (hidden) sensitivities, plus noise. See datasets/DEMO.md.

Usage: python3 datasets/demo/generate.py   (Python 3 standard library only; deterministic:
running it again rewrites both files byte for byte.)
"""

import datetime
import json
import math
import os
import random

SEED = 20250611
N_REVIEWERS = 800
HERE = os.path.dirname(os.path.abspath(__file__))

# Rating shares the latent score is cut into (1 to 5 stars), close to a large retailer's
# skincare reviews.
STAR_SHARES = [0.08, 0.06, 0.09, 0.17, 0.60]

# ---------------------------------------------------------------------------------------------
# Brands: name, price tier, style, how often they use fragrance / essential oils / drying alcohol /
# pore-clogging emollients, label habits, and the actives and categories they lean on.
# ---------------------------------------------------------------------------------------------

TIERS = {  # price range of a 50 ml moisturiser, USD
    "budget": (9.0, 22.0),
    "mid": (20.0, 46.0),
    "premium": (42.0, 88.0),
    "luxury": (85.0, 165.0),
}


def brand(name, tier, style, *, fragrance=0.1, eo=0.0, alcohol=0.0, comedo=0.0, lanolin=0.0,
          nut=0.0, vegan=0.6, water="Water", vit_parens=False, organic=False, period=False,
          signature=(), cats=None, popularity=1.0, quality=0.0, pct_label=0.1, clean=False):
    return dict(name=name, tier=tier, style=style, fragrance=fragrance, eo=eo, alcohol=alcohol,
                comedo=comedo, lanolin=lanolin, nut=nut, vegan=vegan, water=water,
                vit_parens=vit_parens, organic=organic, period=period, signature=list(signature),
                cats=cats or {}, popularity=popularity, quality=quality, pct_label=pct_label,
                clean=clean)


BRANDS = [
    brand("Lumen & Co", "mid", "clinical", fragrance=0.05, vegan=0.9, signature=["niacinamide", "ceramides", "ha"],
          cats={"moisturizer": 1.6, "serum": 1.5}, popularity=2.2, quality=0.15, pct_label=0.3),
    brand("Plain Theory", "budget", "clinical", fragrance=0.0, vegan=1.0, signature=["niacinamide", "retinol", "glycolic", "ha", "azelaic", "arbutin"],
          cats={"serum": 3.0, "exfoliant": 1.5, "toner": 1.2, "cleanser": 0.6, "eye-care": 0.2, "lip-care": 0.1},
          popularity=2.6, quality=0.0, pct_label=0.6),
    brand("Fernhollow", "mid", "botanical", fragrance=0.25, eo=0.35, vegan=0.9, water="Aqua (Water)", organic=True,
          signature=["centella", "bakuchiol", "oat"], cats={"face-oil": 2.0, "mist": 2.0, "cleanser": 1.2}, popularity=1.2, clean=True),
    brand("Marrow & Moss", "premium", "botanical", fragrance=0.2, eo=0.45, comedo=0.25, nut=0.3, vegan=0.7, organic=True,
          signature=["bakuchiol", "thd", "squalane"], cats={"face-oil": 3.0, "moisturizer": 1.3, "lip-care": 1.2},
          popularity=0.9, quality=0.05, clean=True),
    brand("Solenne Paris", "luxury", "luxury", fragrance=0.85, eo=0.1, comedo=0.1, lanolin=0.1, vegan=0.4,
          water="Water/Aqua/Eau", period=True, signature=["peptides", "ha", "retinol"],
          cats={"moisturizer": 2.0, "eye-care": 1.8, "serum": 1.2, "cleanser": 0.5, "exfoliant": 0.3}, popularity=1.3, quality=0.05),
    brand("Aurelian Maison", "luxury", "spa", fragrance=0.7, eo=0.3, comedo=0.2, lanolin=0.2, nut=0.1, vegan=0.3,
          water="Aqua/Water/Eau", period=True, signature=["peptides", "copper", "thd"],
          cats={"moisturizer": 2.2, "eye-care": 1.5, "face-oil": 1.2, "mask": 1.2, "treatment": 0.3}, popularity=0.8, quality=0.0),
    brand("Onggi Lab", "mid", "kbeauty", fragrance=0.3, alcohol=0.05, vegan=0.6, signature=["snail", "centella", "galactomyces", "ha"],
          cats={"toner": 2.5, "serum": 1.8, "mask": 2.0, "sunscreen": 1.2}, popularity=1.6, quality=0.1),
    brand("Hanakumo", "mid", "jbeauty", fragrance=0.25, alcohol=0.35, vegan=0.7, signature=["ha", "sap", "tranexamic"],
          cats={"toner": 2.2, "sunscreen": 2.0, "cleanser": 1.3, "mist": 1.2}, popularity=1.1),
    brand("Clearfield Derm", "budget", "acne", fragrance=0.05, alcohol=0.25, vegan=0.9,
          signature=["salicylic", "bpo", "sulfur", "niacinamide", "teatree"],
          cats={"cleanser": 2.5, "treatment": 3.0, "toner": 1.3, "mask": 1.2, "moisturizer": 0.7, "eye-care": 0.1,
                "lip-care": 0.1, "face-oil": 0.0}, popularity=1.8, quality=0.05, pct_label=0.5),
    brand("Kindred Oat", "budget", "derm", fragrance=0.0, vegan=0.8, signature=["oat", "ceramides", "panthenol"],
          cats={"moisturizer": 2.2, "cleanser": 1.8, "lip-care": 1.3, "sunscreen": 1.0, "exfoliant": 0.2}, popularity=1.5, quality=0.15),
    brand("Tidewell", "mid", "marine", fragrance=0.1, comedo=0.1, vegan=0.9, signature=["zinc", "ha"],
          cats={"sunscreen": 5.0, "mist": 1.2, "lip-care": 1.0, "moisturizer": 0.7}, popularity=1.2),
    brand("Velvet Atlas", "luxury", "luxury", fragrance=0.5, comedo=0.1, vegan=0.6, period=True,
          signature=["retinal", "peptides", "ascorbic"], cats={"serum": 2.0, "eye-care": 1.5, "moisturizer": 1.5},
          popularity=0.9, quality=0.1),
    brand("Saltmarsh Apothecary", "mid", "indie", fragrance=0.3, eo=0.6, comedo=0.55, lanolin=0.15, nut=0.35, vegan=0.5,
          organic=True, signature=["squalane", "teatree", "oat"],
          cats={"face-oil": 2.2, "moisturizer": 1.5, "lip-care": 2.0, "cleanser": 1.2, "mask": 1.0}, popularity=0.8, quality=-0.05, clean=True),
    brand("Greywillow", "premium", "clean", fragrance=0.15, eo=0.3, comedo=0.1, vegan=0.9, water="Aqua (Water)",
          signature=["bakuchiol", "pha", "ha"], cats={"serum": 1.5, "moisturizer": 1.4, "cleanser": 1.1}, popularity=1.0, clean=True),
    brand("Ninth Meridian", "premium", "clinical", fragrance=0.1, alcohol=0.1, vegan=0.9, signature=["ascorbic", "glycolic", "lactic", "tranexamic"],
          cats={"serum": 2.2, "exfoliant": 2.0, "treatment": 1.2}, popularity=1.4, quality=0.15, pct_label=0.4),
    brand("Brightwork", "budget", "trend", fragrance=0.55, alcohol=0.15, comedo=0.35, vegan=0.95, vit_parens=True,
          signature=["niacinamide", "lactic", "ha", "sap"], cats={"mask": 2.0, "lip-care": 1.5, "mist": 1.3, "cleanser": 1.2},
          popularity=1.7, quality=-0.1),
    brand("Cove Clinical", "mid", "derm", fragrance=0.0, vegan=0.8, signature=["ceramides", "retinol", "hpr", "azelaic"],
          cats={"moisturizer": 2.0, "serum": 1.5, "treatment": 1.2, "eye-care": 1.0}, popularity=1.5, quality=0.2, pct_label=0.2),
    brand("Petalgrove", "mid", "floral", fragrance=0.75, eo=0.3, comedo=0.15, nut=0.15, vegan=0.7, water="Aqua", vit_parens=True,
          signature=["ha", "sap", "peptides"], cats={"mist": 2.5, "toner": 1.5, "moisturizer": 1.2, "face-oil": 1.2},
          popularity=0.9, quality=-0.05),
    brand("Hush Botanica", "premium", "aroma", fragrance=0.2, eo=0.75, alcohol=0.1, comedo=0.2, nut=0.25, vegan=0.85,
          organic=True, signature=["bakuchiol", "squalane", "centella"], cats={"face-oil": 2.0, "mask": 1.5, "mist": 1.5},
          popularity=0.7, quality=-0.05, clean=True),
    brand("Ampoule Theory", "budget", "kbeauty", fragrance=0.15, vegan=0.6, signature=["centella", "niacinamide", "snail", "ha"],
          cats={"serum": 2.5, "toner": 1.5, "mask": 1.8}, popularity=1.3, quality=0.1),
    brand("North Ember", "mid", "minimal", fragrance=0.45, alcohol=0.3, vegan=1.0, signature=["caffeine", "salicylic", "niacinamide"],
          cats={"cleanser": 2.0, "moisturizer": 1.8, "eye-care": 1.5, "sunscreen": 1.0, "face-oil": 0.2}, popularity=0.8),
    brand("Sable & Sage", "premium", "tone", fragrance=0.1, vegan=0.9, signature=["tranexamic", "azelaic", "arbutin", "ascorbic", "mandelic"],
          cats={"serum": 2.5, "treatment": 1.5, "sunscreen": 1.5, "exfoliant": 1.2}, popularity=1.2, quality=0.2, pct_label=0.3),
    brand("Dewline", "budget", "hydration", fragrance=0.3, comedo=0.3, vegan=0.9, vit_parens=True, signature=["ha", "squalane", "panthenol", "urea"],
          cats={"moisturizer": 2.5, "toner": 1.5, "mist": 1.2, "mask": 1.2}, popularity=1.6, quality=0.0),
    brand("Orrin Botanics", "mid", "balm", fragrance=0.35, eo=0.35, comedo=0.6, lanolin=0.3, nut=0.45, vegan=0.3,
          signature=["squalane", "thd", "oat"], cats={"lip-care": 2.5, "face-oil": 2.0, "cleanser": 1.5, "moisturizer": 1.5},
          popularity=0.9, quality=0.0),
    brand("Quillon Skin Lab", "premium", "clinical", fragrance=0.05, vegan=0.9, signature=["retinal", "retinol", "hpr", "peptides"],
          cats={"serum": 2.5, "treatment": 1.8, "eye-care": 1.2, "moisturizer": 1.2}, popularity=1.1, quality=0.15, pct_label=0.5),
]

# ---------------------------------------------------------------------------------------------
# Ingredients and what they do. INCI names are spelled as on labels. The outcome model reads the
# properties; the recommender never sees them (it must learn from the knowledge base and reviews).
#   comedo: 0-5 pore-clogging potential; irr: (sensitivity kind, weight); soothe: lowers the
#   irritation odds; hyd: contribution to how moisturising the product feels.
# ---------------------------------------------------------------------------------------------

PROPS = {
    "Cocos Nucifera (Coconut) Oil": dict(comedo=4, irr=("nut-oils", 0.2)),
    "Isopropyl Myristate": dict(comedo=5),
    "Isopropyl Palmitate": dict(comedo=4),
    "Myristyl Myristate": dict(comedo=4),
    "Theobroma Cacao (Cocoa) Seed Butter": dict(comedo=4, hyd=0.25),
    "Triticum Vulgare (Wheat) Germ Oil": dict(comedo=5),
    "Lanolin": dict(comedo=2, irr=("lanolin", 1.2), hyd=0.3),
    "Prunus Amygdalus Dulcis (Sweet Almond) Oil": dict(comedo=2, irr=("nut-oils", 1.2)),
    "Persea Gratissima (Avocado) Oil": dict(comedo=2),
    "Olea Europaea (Olive) Fruit Oil": dict(comedo=2),
    "Butyrospermum Parkii (Shea) Butter": dict(comedo=1, hyd=0.25),
    "Petrolatum": dict(hyd=0.4),
    "Parfum (Fragrance)": dict(irr=("fragrance", 1.0)),
    "Fragrance (Parfum)": dict(irr=("fragrance", 1.0)),
    "Parfum": dict(irr=("fragrance", 1.0)),
    "Fragrance": dict(irr=("fragrance", 1.0)),
    "Limonene": dict(irr=("fragrance", 0.2)),
    "Linalool": dict(irr=("fragrance", 0.2)),
    "Citronellol": dict(irr=("fragrance", 0.15)),
    "Geraniol": dict(irr=("fragrance", 0.15)),
    "Citral": dict(irr=("fragrance", 0.15)),
    "Lavandula Angustifolia (Lavender) Oil": dict(irr=("essential-oils", 0.9)),
    "Citrus Aurantium Dulcis (Orange) Peel Oil": dict(irr=("essential-oils", 1.0)),
    "Citrus Limon (Lemon) Peel Oil": dict(irr=("essential-oils", 1.1)),
    "Mentha Piperita (Peppermint) Oil": dict(irr=("essential-oils", 1.2)),
    "Eucalyptus Globulus Leaf Oil": dict(irr=("essential-oils", 0.9)),
    "Rosmarinus Officinalis (Rosemary) Leaf Oil": dict(irr=("essential-oils", 0.7)),
    "Pelargonium Graveolens Flower Oil": dict(irr=("essential-oils", 0.8)),
    "Melaleuca Alternifolia (Tea Tree) Leaf Oil": dict(irr=("essential-oils", 0.8)),
    "Menthol": dict(irr=("essential-oils", 0.9)),
    "Alcohol Denat.": dict(irr=("alcohol", 1.1)),
    "Hamamelis Virginiana (Witch Hazel) Water": dict(irr=("alcohol", 0.3)),
    "Sodium Lauryl Sulfate": dict(irr=("sulfates", 1.3)),
    "Sodium Laureth Sulfate": dict(irr=("sulfates", 0.5)),
    "Glycerin": dict(hyd=0.2),
    "Sodium Hyaluronate": dict(hyd=0.2),
    "Hydrolyzed Hyaluronic Acid": dict(hyd=0.1),
    "Ceramide NP": dict(hyd=0.2, soothe=0.1),
    "Urea": dict(hyd=0.25),
    "Squalane": dict(hyd=0.15),
    "Panthenol": dict(hyd=0.08, soothe=0.12),
    "Betaine": dict(hyd=0.05),
    "Trehalose": dict(hyd=0.05),
    "Sodium PCA": dict(hyd=0.05),
    "Allantoin": dict(soothe=0.1),
    "Bisabolol": dict(soothe=0.1),
    "Centella Asiatica Extract": dict(soothe=0.12),
    "Madecassoside": dict(soothe=0.1),
    "Avena Sativa (Oat) Kernel Flour": dict(soothe=0.15),
    "Avena Sativa (Oat) Kernel Extract": dict(soothe=0.08),
    "Ectoin": dict(soothe=0.1),
    "Beta-Glucan": dict(soothe=0.06, hyd=0.04),
    "Cera Alba": dict(hyd=0.15),
    "Dimethicone": dict(hyd=0.03),
}

# Things that are not vegan.
ANIMAL = {"Cera Alba", "Lanolin", "Snail Secretion Filtrate", "Propolis Extract", "Mel", "Hydrolyzed Collagen"}
ESSENTIAL = {k for k, v in PROPS.items() if v.get("irr", ("",))[0] == "essential-oils"}
FRAGRANCE = {k for k, v in PROPS.items() if v.get("irr", ("",))[0] == "fragrance"}
SILICONES = {"Dimethicone", "Cyclopentasiloxane", "Dimethicone/Vinyl Dimethicone Crosspolymer", "Dimethicone Crosspolymer",
             "Cetyl PEG/PPG-10/1 Dimethicone", "Polymethylsilsesquioxane", "Triethoxycaprylylsilane"}
OILS = {"Squalane", "Caprylic/Capric Triglyceride", "Simmondsia Chinensis (Jojoba) Seed Oil", "Helianthus Annuus (Sunflower) Seed Oil",
        "Persea Gratissima (Avocado) Oil", "Rosa Canina Fruit Oil", "Argania Spinosa Kernel Oil", "Vitis Vinifera (Grape) Seed Oil",
        "Olea Europaea (Olive) Fruit Oil", "Oenothera Biennis (Evening Primrose) Oil", "Ricinus Communis (Castor) Seed Oil",
        "Cocos Nucifera (Coconut) Oil", "Prunus Amygdalus Dulcis (Sweet Almond) Oil", "Triticum Vulgare (Wheat) Germ Oil",
        "Carthamus Tinctorius (Safflower) Seed Oil", "Petrolatum", "Butyrospermum Parkii (Shea) Butter",
        "Theobroma Cacao (Cocoa) Seed Butter", "Isopropyl Myristate", "Isopropyl Palmitate", "Ethylhexyl Palmitate",
        "Hydrogenated Polyisobutene", "Coco-Caprylate/Caprate", "C12-15 Alkyl Benzoate", "Isononyl Isononanoate",
        "Tetrahexyldecyl Ascorbate", "Camellia Oleifera Seed Oil"} | ESSENTIAL
PLANT = {"Aloe Barbadensis Leaf Juice", "Simmondsia Chinensis (Jojoba) Seed Oil", "Helianthus Annuus (Sunflower) Seed Oil",
         "Butyrospermum Parkii (Shea) Butter", "Rosa Canina Fruit Oil", "Argania Spinosa Kernel Oil", "Camellia Sinensis Leaf Extract",
         "Chamomilla Recutita (Matricaria) Flower Extract", "Calendula Officinalis Flower Extract", "Centella Asiatica Extract",
         "Glycyrrhiza Glabra (Licorice) Root Extract", "Cocos Nucifera (Coconut) Oil", "Theobroma Cacao (Cocoa) Seed Butter",
         "Persea Gratissima (Avocado) Oil", "Olea Europaea (Olive) Fruit Oil", "Oenothera Biennis (Evening Primrose) Oil",
         "Vitis Vinifera (Grape) Seed Oil", "Rosa Damascena Flower Water", "Hamamelis Virginiana (Witch Hazel) Water",
         "Avena Sativa (Oat) Kernel Flour", "Avena Sativa (Oat) Kernel Extract", "Hibiscus Sabdariffa Flower Extract",
         "Camellia Oleifera Seed Oil"} | ESSENTIAL

# ---------------------------------------------------------------------------------------------
# Actives: INCI names, where they sit on the label at each strength (zone), what they treat
# (0-1 efficacy used by the outcome model and for the brand's claims), irritation weight, whether
# they can cause purging, and the phase they dissolve in.
#   Zones, in label order: top (>10%, right after the solvent), high (5-10%), mid (1-5%),
#   low (<1%), tail (with preservatives), end (after preservatives).
# ---------------------------------------------------------------------------------------------


def active(key, inci, strengths, treats, *, irr=0.0, purge=False, phase="water", words=(), tag=None, companions=(),
           claim_min=0.45):
    return dict(key=key, inci=inci, strengths=strengths, treats=treats, irr=irr, purge=purge, phase=phase,
                words=list(words), tag=tag, companions=list(companions), claim_min=claim_min)


ACTIVES = {a["key"]: a for a in [
    active("niacinamide", ["Niacinamide"], [(10, "top"), (5, "high"), (4, "high"), (2, "mid")],
           dict(hyperpigmentation=0.6, pores=0.6, oiliness=0.55, acne=0.4, redness=0.45, dullness=0.45, texture=0.3),
           irr=0.1, words=["Niacinamide", "B3"], tag="niacinamide", companions=[("Zinc PCA", "mid", 0.4)]),
    active("retinol", ["Retinol"], [(0.1, "low"), (0.3, "low"), (0.5, "low"), (1.0, "low")],
           dict(aging=0.8, texture=0.6, acne=0.45, hyperpigmentation=0.4, pores=0.35),
           irr=1.0, purge=True, phase="any", words=["Retinol"], tag="retinoid",
           companions=[("Tocopherol", "low", 0.7), ("Bisabolol", "low", 0.4)]),
    active("retinal", ["Retinal"], [(0.05, "low"), (0.1, "low"), (0.2, "low")],
           dict(aging=0.9, texture=0.65, acne=0.55, hyperpigmentation=0.45, pores=0.35),
           irr=1.1, purge=True, phase="any", words=["Retinal", "Retinaldehyde"], tag="retinoid",
           companions=[("Tocopherol", "low", 0.6)]),
    active("hpr", ["Hydroxypinacolone Retinoate"], [(0.2, "low"), (0.5, "low")],
           dict(aging=0.55, texture=0.45, acne=0.3, hyperpigmentation=0.25),
           irr=0.4, purge=True, phase="any", words=["Gentle Retinoid", "Retinoid"], tag="retinoid"),
    active("bakuchiol", ["Bakuchiol"], [(0.5, "low"), (1, "mid"), (2, "mid")],
           dict(aging=0.45, texture=0.3, redness=0.15), irr=0.05, phase="any", words=["Bakuchiol"], tag="plant retinol alternative"),
    active("ascorbic", ["Ascorbic Acid"], [(10, "top"), (15, "top"), (20, "top")],
           dict(dullness=0.8, hyperpigmentation=0.6, aging=0.5, texture=0.2),
           irr=0.7, words=["Vitamin C", "C"], tag="vitamin c",
           companions=[("Ferulic Acid", "low", 0.7), ("Tocopherol", "low", 0.7)]),
    active("sap", ["Sodium Ascorbyl Phosphate"], [(3, "mid"), (5, "high")],
           dict(dullness=0.5, hyperpigmentation=0.35, acne=0.2), irr=0.1, words=["Vitamin C"], tag="vitamin c"),
    active("ethylascorbic", ["3-O-Ethyl Ascorbic Acid"], [(2, "mid"), (5, "high")],
           dict(dullness=0.6, hyperpigmentation=0.5), irr=0.2, words=["Vitamin C"], tag="vitamin c"),
    active("thd", ["Tetrahexyldecyl Ascorbate"], [(1, "mid"), (5, "high")],
           dict(dullness=0.5, hyperpigmentation=0.3, aging=0.35), irr=0.1, phase="any", words=["Vitamin C"], tag="vitamin c"),
    active("glycolic", ["Glycolic Acid"], [(5, "high"), (7, "high"), (10, "top")],
           dict(texture=0.8, dullness=0.7, hyperpigmentation=0.5, aging=0.4, pores=0.35),
           irr=1.0, purge=True, words=["Glycolic", "AHA"], tag="aha", companions=[("Sodium Hydroxide", "mid", 1.0)]),
    active("lactic", ["Lactic Acid"], [(5, "high"), (10, "top")],
           dict(texture=0.7, dullness=0.6, hyperpigmentation=0.4, dryness=0.25), irr=0.6, purge=True,
           words=["Lactic", "AHA"], tag="aha", companions=[("Sodium Hydroxide", "mid", 0.8)]),
    active("mandelic", ["Mandelic Acid"], [(5, "high"), (8, "high"), (10, "top")],
           dict(texture=0.6, acne=0.4, hyperpigmentation=0.45, dullness=0.5), irr=0.35, purge=True,
           words=["Mandelic", "AHA"], tag="aha", companions=[("Sodium Hydroxide", "mid", 0.6)]),
    active("pha", ["Gluconolactone"], [(3, "mid"), (8, "high")],
           dict(texture=0.45, dullness=0.35, dehydration=0.15), irr=0.15, words=["PHA"], tag="pha"),
    active("salicylic", ["Salicylic Acid"], [(0.5, "mid"), (1, "mid"), (2, "mid")],
           dict(acne=0.8, pores=0.8, oiliness=0.6, texture=0.5), irr=0.6, purge=True,
           words=["Salicylic", "BHA"], tag="bha"),
    active("azelaic", ["Azelaic Acid"], [(10, "top"), (15, "top")],
           dict(redness=0.7, acne=0.6, hyperpigmentation=0.6, texture=0.3), irr=0.5,
           words=["Azelaic"], tag="azelaic acid"),
    active("bpo", ["Benzoyl Peroxide"], [(2.5, "high"), (5, "high")],
           dict(acne=0.9, oiliness=0.3), irr=1.2, purge=True, words=["Benzoyl Peroxide", "BPO"], tag="benzoyl peroxide"),
    active("sulfur", ["Sulfur"], [(3, "high"), (10, "top")],
           dict(acne=0.6, oiliness=0.5, pores=0.3), irr=0.4, words=["Sulfur"], tag="sulfur"),
    active("teatree", ["Melaleuca Alternifolia (Tea Tree) Leaf Oil"], [(1, "low"), (5, "mid")],
           dict(acne=0.35, oiliness=0.2), phase="any", words=["Tea Tree"], tag="tea tree", claim_min=0.3),
    active("ha", ["Sodium Hyaluronate"], [(1, "low"), (2, "mid")],
           dict(dehydration=0.7, dryness=0.4, aging=0.15), words=["Hyaluronic", "HA", "Hyaluronic Acid"], tag="hyaluronic acid",
           companions=[("Hydrolyzed Hyaluronic Acid", "low", 0.5), ("Sodium Hyaluronate Crosspolymer", "low", 0.3)]),
    active("ceramides", ["Ceramide NP", "Ceramide AP", "Ceramide EOP", "Phytosphingosine", "Cholesterol"], [(1, "low")],
           dict(dryness=0.7, redness=0.4, dehydration=0.45), words=["Ceramide", "Barrier"], tag="ceramides",
           companions=[("Sodium Lauroyl Lactylate", "low", 0.6)]),
    active("centella", ["Centella Asiatica Extract"], [(1, "mid"), (0.5, "low")],
           dict(redness=0.6, acne=0.2, dehydration=0.15), words=["Cica", "Centella"], tag="centella",
           companions=[("Madecassoside", "low", 0.6), ("Asiaticoside", "low", 0.3)]),
    active("panthenol", ["Panthenol"], [(2, "mid"), (5, "high")],
           dict(redness=0.35, dryness=0.3, dehydration=0.35), words=["B5", "Panthenol"], tag="vitamin b5"),
    active("oat", ["Avena Sativa (Oat) Kernel Flour"], [(1, "mid")],
           dict(redness=0.45, dryness=0.35), words=["Oat", "Colloidal Oat"], tag="colloidal oatmeal",
           companions=[("Avena Sativa (Oat) Kernel Extract", "low", 0.4)]),
    active("peptides", ["Palmitoyl Tripeptide-1", "Palmitoyl Tetrapeptide-7"], [(1, "low")],
           dict(aging=0.5, texture=0.15), words=["Peptide", "Multi-Peptide"], tag="peptides",
           companions=[("Acetyl Hexapeptide-8", "low", 0.5), ("Palmitoyl Tripeptide-5", "low", 0.3)]),
    active("copper", ["Copper Tripeptide-1"], [(1, "low")],
           dict(aging=0.45, texture=0.2), words=["Copper Peptide"], tag="copper peptides"),
    active("tranexamic", ["Tranexamic Acid"], [(2, "mid"), (3, "mid"), (5, "high")],
           dict(hyperpigmentation=0.7, redness=0.2, dullness=0.3), irr=0.05, words=["Tranexamic"], tag="tranexamic acid"),
    active("arbutin", ["Alpha-Arbutin"], [(2, "mid")],
           dict(hyperpigmentation=0.6, dullness=0.35), irr=0.05, words=["Alpha Arbutin", "Arbutin"], tag="alpha arbutin"),
    active("caffeine", ["Caffeine"], [(1, "mid"), (5, "high")],
           dict(puffiness=0.7, **{"dark-circles": 0.4}), words=["Caffeine"], tag="caffeine"),
    active("squalane", ["Squalane"], [(10, "top"), (5, "high")],
           dict(dryness=0.5, dehydration=0.3, redness=0.1), phase="any", words=["Squalane"], tag="squalane"),
    active("urea", ["Urea"], [(5, "high"), (10, "top")],
           dict(dryness=0.65, texture=0.4, dehydration=0.4), irr=0.15, words=["Urea"], tag="urea"),
    active("snail", ["Snail Secretion Filtrate"], [(70, "top")],
           dict(dehydration=0.4, texture=0.3, hyperpigmentation=0.2, acne=0.15), words=["Snail"], tag="snail mucin"),
    active("galactomyces", ["Galactomyces Ferment Filtrate"], [(80, "top")],
           dict(dullness=0.45, texture=0.3, pores=0.2), words=["Ferment"], tag="ferment"),
    active("zinc", ["Zinc Oxide"], [(15, "top"), (20, "top")],
           dict(aging=0.3, hyperpigmentation=0.35, redness=0.25), phase="any", words=["Mineral"], tag="mineral spf"),
    active("zinc_titanium", ["Zinc Oxide", "Titanium Dioxide"], [(12, "top")],
           dict(aging=0.3, hyperpigmentation=0.35, redness=0.2), phase="any", words=["Mineral"], tag="mineral spf"),
    active("chemical_spf", ["Homosalate", "Octisalate", "Octocrylene", "Avobenzone"], [(0, "top")],
           dict(aging=0.3, hyperpigmentation=0.35), irr=0.25, phase="any", words=["Daily"], tag="broad spectrum spf"),
    active("kaolin", ["Kaolin", "Bentonite"], [(20, "top")],
           dict(oiliness=0.55, pores=0.45, acne=0.15), words=["Clay"], tag="clay"),
    active("rosehip", ["Rosa Canina Fruit Oil"], [(20, "top")],
           dict(aging=0.25, hyperpigmentation=0.2, dryness=0.35), phase="oil", words=["Rosehip"], tag="rosehip"),
    active("licorice", ["Glycyrrhiza Glabra (Licorice) Root Extract"], [(0.5, "low")],
           dict(hyperpigmentation=0.3, redness=0.2), words=["Licorice"], tag="licorice root"),
    active("petrolatum", ["Petrolatum"], [(30, "top")],
           dict(dryness=0.75, redness=0.15), phase="oil", words=["Repair"], tag="skin protectant"),
    active("shea", ["Butyrospermum Parkii (Shea) Butter"], [(10, "top")],
           dict(dryness=0.55), phase="oil", words=["Shea"], tag="shea butter"),
]}

# Supporting ingredients a formulator sprinkles in at low levels.
SUPPORT_WATER = ["Camellia Sinensis Leaf Extract", "Aloe Barbadensis Leaf Juice", "Allantoin", "Panthenol", "Betaine",
                 "Glycyrrhiza Glabra (Licorice) Root Extract", "Chamomilla Recutita (Matricaria) Flower Extract",
                 "Calendula Officinalis Flower Extract", "Beta-Glucan", "Ectoin", "Trehalose", "Sodium PCA", "Adenosine",
                 "Hibiscus Sabdariffa Flower Extract", "Tremella Fuciformis Polysaccharide", "Bisabolol",
                 "Oryza Sativa (Rice) Bran Extract", "Centella Asiatica Extract"]
SUPPORT_WATER += ["Vaccinium Macrocarpon (Cranberry) Fruit Extract", "Portulaca Oleracea Extract", "Houttuynia Cordata Extract",
                  "Hydrolyzed Rice Protein", "Sodium Polyglutamate", "Ceramide NP", "Ergothioneine", "Lactobacillus Ferment",
                  "Tocopherol", "Hydrolyzed Hyaluronic Acid", "Aloe Barbadensis Leaf Juice", "Carnosine", "Acetyl Glucosamine",
                  "Saccharide Isomerate", "Rosmarinus Officinalis (Rosemary) Leaf Extract", "Helianthus Annuus (Sunflower) Seed Oil",
                  "Sodium Hyaluronate", "Polyglutamic Acid", "Pentylene Glycol", "Squalane", "Hydrolyzed Collagen"]
SUPPORT_OIL = ["Tocopherol", "Bisabolol", "Rosa Canina Fruit Oil", "Oenothera Biennis (Evening Primrose) Oil",
               "Argania Spinosa Kernel Oil", "Camellia Oleifera Seed Oil", "Vitis Vinifera (Grape) Seed Oil"]
# Formulation helpers that sit in the tail of water-based labels (carriers, pH adjusters, chelators,
# preservative boosters) and of oil-based ones (antioxidants).
HELPERS_WATER = ["Sodium Citrate", "Citric Acid", "Lecithin", "Hydrogenated Lecithin", "Maltodextrin", "Caprylhydroxamic Acid",
                 "Glyceryl Caprylate", "Hydroxyacetophenone", "Polyglyceryl-10 Laurate", "Cellulose Gum", "Sodium Gluconate",
                 "Caprylyl Glycol", "Pentylene Glycol", "Sodium Hydroxide", "Dextrin", "Silica", "Sodium Chloride", "Potassium Sorbate"]
EMULSION_EXTRAS = ["Cetyl Alcohol", "Stearic Acid", "Glyceryl Stearate Citrate", "Sodium Stearoyl Glutamate", "Hydrogenated Lecithin",
                   "Polyglyceryl-3 Methylglucose Distearate", "Behenyl Alcohol", "Isohexadecane", "Dicaprylyl Carbonate", "Coco-Caprylate",
                   "Pentylene Glycol", "Hydrogenated Polydecene", "Caprylyl Methicone", "Arachidyl Alcohol", "Tapioca Starch"]
SOLVENTS = ["Propanediol", "Butylene Glycol", "Pentylene Glycol", "Dipropylene Glycol", "Methylpropanediol", "Glycereth-26"]
HELPERS_OIL = ["Ascorbyl Palmitate", "Rosmarinus Officinalis (Rosemary) Leaf Extract", "Helianthus Annuus (Sunflower) Seed Oil",
               "Lecithin"]
NMF = ["Sodium PCA", "Sodium Lactate", "Arginine", "Serine", "Glycine", "Alanine", "Proline"]
SUPPORT_TREATS = {  # weak label-dressing effects, the "fairy dust" of marketing
    "Camellia Sinensis Leaf Extract": dict(redness=0.1, aging=0.05),
    "Glycyrrhiza Glabra (Licorice) Root Extract": dict(hyperpigmentation=0.2, redness=0.15),
    "Adenosine": dict(aging=0.2),
    "Centella Asiatica Extract": dict(redness=0.25),
    "Bisabolol": dict(redness=0.15),
    "Allantoin": dict(redness=0.1),
    "Ectoin": dict(redness=0.15, dehydration=0.1),
    "Rosa Canina Fruit Oil": dict(aging=0.1),
    "Panthenol": dict(dehydration=0.15),
}

# ---------------------------------------------------------------------------------------------
# Base formulations per subcategory, in label order.
#   "A|B" one of; "?X" optional (50%); "?0.3:X" optional with that chance; "A, B" a pair that
#   travels together; "$WATER" the solvent, written the brand's way; "@zone" where actives and
#   add-ons go. rich: 0 (watery gel) .. 1.2 (balm); suits: the skin types the brand claims.
# ---------------------------------------------------------------------------------------------

TAIL_PRES = ["Phenoxyethanol, Ethylhexylglycerin", "Phenoxyethanol, Ethylhexylglycerin", "Phenoxyethanol, Caprylyl Glycol",
             "1,2-Hexanediol, Ethylhexylglycerin", "Phenoxyethanol, Chlorphenesin", "Sodium Benzoate, Potassium Sorbate",
             "Benzyl Alcohol, Dehydroacetic Acid"]
PRES = "|".join(TAIL_PRES)


def base(cat, sub, tokens, rich, suits, phase="water", hyd=0.0, claims=(), weight=1.0, size=None):
    return dict(cat=cat, sub=sub, tokens=tokens, rich=rich, suits=suits, phase=phase, hyd=hyd, claims=list(claims),
                weight=weight, size=size)


ALL = ["dry", "oily", "combination", "normal"]
DRYISH = ["dry", "normal", "combination"]
OILYISH = ["oily", "combination", "normal"]

BASES = [
    # moisturisers
    base("moisturizer", "gel cream", ["$WATER", "@top", "Glycerin", "@high", "Dimethicone", "Propanediol", "?Butylene Glycol", "@mid",
         "Squalane|Caprylic/Capric Triglyceride|Isononyl Isononanoate", "?Cetearyl Alcohol", "?Betaine", "@low", "?Sodium Hyaluronate",
         "Ammonium Acryloyldimethyltaurate/VP Copolymer|Hydroxyethyl Acrylate/Sodium Acryloyldimethyl Taurate Copolymer|Carbomer, Tromethamine",
         "?Dimethicone/Vinyl Dimethicone Crosspolymer", "?Tocopherol", "?Xanthan Gum", "Disodium EDTA|Sodium Phytate", "@tail", PRES, "@end"],
         0.3, OILYISH, hyd=0.25, claims=["dehydration"], weight=1.4),
    base("moisturizer", "cream", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride", "Cetearyl Alcohol", "?Butylene Glycol",
         "Dimethicone", "@mid", "Glyceryl Stearate, PEG-100 Stearate|Cetearyl Glucoside|Polysorbate 60|Cetearyl Olivate, Sorbitan Olivate",
         "?Squalane", "?Helianthus Annuus (Sunflower) Seed Oil", "?Butyrospermum Parkii (Shea) Butter", "@low", "?Sodium Hyaluronate",
         "Tocopherol|Tocopheryl Acetate", "Xanthan Gum|Carbomer, Sodium Hydroxide", "?Allantoin", "Disodium EDTA", "@tail", PRES, "@end"],
         0.6, ["dry", "combination", "normal"], hyd=0.35, claims=["dryness"], weight=1.6),
    base("moisturizer", "rich cream", ["$WATER", "@top", "Glycerin", "Butyrospermum Parkii (Shea) Butter", "@high", "Caprylic/Capric Triglyceride",
         "Cetearyl Alcohol", "Petrolatum|Squalane|Hydrogenated Polyisobutene", "@mid", "Dimethicone", "Glyceryl Stearate",
         "Cetyl Alcohol|Behenyl Alcohol", "?Simmondsia Chinensis (Jojoba) Seed Oil", "?Persea Gratissima (Avocado) Oil", "?Stearic Acid",
         "@low", "Tocopherol", "?Sodium PCA", "Sodium Polyacrylate|Xanthan Gum", "Disodium EDTA|Trisodium Ethylenediamine Disuccinate",
         "@tail", PRES, "@end"], 1.0, ["dry", "normal"], hyd=0.5, claims=["dryness"], weight=1.0),
    base("moisturizer", "night cream", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride", "Squalane", "Cetearyl Alcohol",
         "@mid", "Butyrospermum Parkii (Shea) Butter|Dimethicone", "Glyceryl Stearate, PEG-100 Stearate", "?Behenyl Alcohol", "?Propanediol",
         "@low", "Tocopherol", "Carbomer, Sodium Hydroxide|Xanthan Gum", "?Adenosine", "Disodium EDTA", "@tail", PRES, "@end"],
         0.7, ["dry", "combination", "normal"], hyd=0.4, claims=["aging"], weight=0.9),
    base("moisturizer", "lotion", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride|Isononyl Isononanoate", "Dimethicone",
         "Cetearyl Alcohol", "@mid", "Glyceryl Stearate, PEG-100 Stearate|Ceteareth-20|Cetearyl Glucoside", "?Propanediol", "@low",
         "?Sodium Hyaluronate", "Carbomer, Sodium Hydroxide|Acrylates/C10-30 Alkyl Acrylate Crosspolymer, Sodium Hydroxide", "?Xanthan Gum",
         "Disodium EDTA", "@tail", PRES, "@end"], 0.45, ALL, hyd=0.3, weight=1.0),
    base("moisturizer", "oil-free moisturizer", ["$WATER", "@top", "Glycerin|Dipropylene Glycol", "@high", "Dimethicone", "Silica", "?Propanediol",
         "@mid", "?Isododecane", "Dimethicone Crosspolymer", "Polymethylsilsesquioxane", "@low", "?Sodium Hyaluronate",
         "Polyacrylate Crosspolymer-6|Sodium Polyacryloyldimethyl Taurate", "Disodium EDTA", "@tail", PRES, "@end"],
         0.15, OILYISH, hyd=0.15, claims=["oiliness"], weight=0.9),
    base("moisturizer", "balm", ["Petrolatum|Caprylic/Capric Triglyceride", "@top", "Butyrospermum Parkii (Shea) Butter", "@high", "Squalane",
         "Cera Alba|Euphorbia Cerifera (Candelilla) Wax", "@mid", "Simmondsia Chinensis (Jojoba) Seed Oil", "?Helianthus Annuus (Sunflower) Seed Oil",
         "@low", "Tocopherol", "?Bisabolol", "@tail", "@end"], 1.2, ["dry", "normal"], phase="oil", hyd=0.6, claims=["dryness"], weight=0.4),
    # serums
    base("serum", "water serum", ["$WATER", "@top", "?Propanediol", "@high", "Glycerin|Butylene Glycol", "?Pentylene Glycol", "@mid",
         "?Sodium Hyaluronate", "?Betaine", "@low", "Hydroxyethylcellulose|Xanthan Gum|Sclerotium Gum", "?Polysorbate 20",
         "Sodium Phytate|Disodium EDTA", "?Citric Acid", "@tail", PRES, "@end"], 0.1, ALL, hyd=0.2, weight=2.0),
    base("serum", "emulsion serum", ["$WATER", "@top", "Glycerin", "@high", "Squalane|Caprylic/Capric Triglyceride", "Dimethicone", "?Propanediol",
         "@mid", "Polysorbate 20|Cetearyl Olivate, Sorbitan Olivate", "?Butylene Glycol", "@low", "Tocopherol",
         "Carbomer, Sodium Hydroxide|Ammonium Acryloyldimethyltaurate/VP Copolymer", "Disodium EDTA", "@tail", PRES, "@end"],
         0.35, ALL, hyd=0.3, weight=1.2),
    base("serum", "oil serum", ["Squalane|Caprylic/Capric Triglyceride", "@top", "@high", "?Simmondsia Chinensis (Jojoba) Seed Oil", "@mid",
         "@low", "Tocopherol", "@tail", "@end"], 0.5, DRYISH, phase="oil", hyd=0.25, weight=0.5),
    base("serum", "vitamin c serum", ["$WATER", "@top", "Propanediol|Ethoxydiglycol", "@high", "Glycerin", "@mid", "?Pentylene Glycol", "@low",
         "?Sodium Hyaluronate", "Xanthan Gum|Hydroxyethylcellulose", "?Sodium Metabisulfite", "@tail", PRES, "@end"],
         0.1, ALL, hyd=0.15, weight=0.0),  # used only by the ascorbic acid active
    base("serum", "ampoule", ["$WATER", "@top", "Butylene Glycol", "Glycerin", "@high", "?Dipropylene Glycol", "1,2-Hexanediol", "@mid",
         "?Trehalose", "@low", "Carbomer, Arginine|Hydroxyethylcellulose", "?Allantoin", "Disodium EDTA", "@tail", "?Ethylhexylglycerin", "@end"],
         0.15, ALL, hyd=0.3, weight=0.8),
    # cleansers
    base("cleanser", "gel cleanser", ["$WATER", "@top", "Sodium Cocoyl Isethionate|Sodium Lauroyl Sarcosinate|Sodium Methyl Cocoyl Taurate",
         "Cocamidopropyl Betaine", "@high", "Glycerin", "?Decyl Glucoside|Coco-Glucoside", "@mid", "?Sodium Chloride",
         "Acrylates Copolymer|PEG-120 Methyl Glucose Dioleate", "@low", "Citric Acid", "Disodium EDTA|Sodium Phytate", "@tail", PRES, "@end"],
         0.0, OILYISH, hyd=0.0, claims=["oiliness"], weight=1.8, size="cleanser"),
    base("cleanser", "foaming cleanser", ["$WATER", "@top", "Glycerin", "Sodium Laureth Sulfate|Potassium Cocoyl Glycinate|Sodium Cocoyl Glycinate",
         "@high", "Cocamidopropyl Betaine", "@mid", "Glycol Distearate|Acrylates Copolymer", "?Sodium Chloride", "@low", "Citric Acid",
         "Disodium EDTA", "@tail", PRES, "@end"], 0.0, OILYISH, hyd=0.0, claims=["oiliness"], weight=1.2, size="cleanser"),
    base("cleanser", "cream cleanser", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride", "Cetearyl Alcohol", "@mid",
         "Glyceryl Stearate", "Coco-Glucoside|Decyl Glucoside", "?Behenyl Alcohol", "?Squalane", "@low", "Carbomer, Sodium Hydroxide",
         "Disodium EDTA", "@tail", PRES, "@end"], 0.3, DRYISH, hyd=0.15, claims=["dryness"], weight=1.3, size="cleanser"),
    base("cleanser", "cleansing balm", ["Caprylic/Capric Triglyceride|Helianthus Annuus (Sunflower) Seed Oil", "@top", "PEG-20 Glyceryl Triisostearate",
         "@high", "Ethylhexyl Palmitate", "Polyethylene", "@mid", "?Simmondsia Chinensis (Jojoba) Seed Oil", "@low", "Tocopherol", "@tail", "@end"],
         0.5, ALL, phase="oil", hyd=0.15, weight=0.8, size="balm"),
    base("cleanser", "cleansing oil", ["Helianthus Annuus (Sunflower) Seed Oil|Caprylic/Capric Triglyceride", "@top",
         "Sorbeth-30 Tetraoleate|Polyglyceryl-10 Dioleate|PEG-20 Glyceryl Triisostearate", "@high", "?Olea Europaea (Olive) Fruit Oil",
         "?Simmondsia Chinensis (Jojoba) Seed Oil", "@mid", "@low", "Tocopherol", "@tail", "@end"], 0.4, ALL, phase="oil", hyd=0.1,
         weight=0.6, size="cleanser"),
    base("cleanser", "micellar water", ["$WATER", "@top", "Hexylene Glycol|Propanediol", "Glycerin", "@high", "Poloxamer 184", "@mid",
         "Disodium Cocoamphodiacetate", "@low", "Disodium EDTA", "@tail", "Polyaminopropyl Biguanide|Phenoxyethanol", "@end"],
         0.0, ALL, hyd=0.05, weight=0.5, size="toner"),
    # toners
    base("toner", "hydrating toner", ["$WATER", "@top", "Butylene Glycol", "Glycerin", "@high", "?Propanediol", "?Betaine", "@mid",
         "?Sodium Hyaluronate", "?Trehalose", "@low", "?Panthenol", "?Allantoin", "?Hydroxyethylcellulose", "Disodium EDTA", "@tail", PRES, "@end"],
         0.05, ALL, hyd=0.25, claims=["dehydration"], weight=1.4, size="toner"),
    base("toner", "exfoliating toner", ["$WATER", "@top", "@high", "Glycerin", "?Aloe Barbadensis Leaf Juice", "@mid", "?Propanediol", "@low",
         "?Panthenol", "Polysorbate 20", "@tail", PRES, "@end"], 0.0, OILYISH + ["dry"], hyd=0.05, weight=1.0, size="toner"),
    base("toner", "essence", ["$WATER", "@top", "Butylene Glycol", "@high", "Glycerin", "1,2-Hexanediol", "@mid", "?Sodium Hyaluronate",
         "@low", "?Arginine", "Carbomer|Xanthan Gum", "?Allantoin", "Disodium EDTA", "@tail", "?Ethylhexylglycerin", "@end"],
         0.1, ALL, hyd=0.3, weight=0.8, size="essence"),
    # sunscreens
    base("sunscreen", "mineral sunscreen", ["$WATER", "@top", "Caprylic/Capric Triglyceride|C12-15 Alkyl Benzoate", "@high", "Coco-Caprylate/Caprate",
         "Dimethicone", "@mid", "Polyglyceryl-4 Isostearate, Cetyl PEG/PPG-10/1 Dimethicone", "Polyhydroxystearic Acid",
         "Triethoxycaprylylsilane", "Silica", "Glycerin", "@low", "Magnesium Sulfate|Sodium Chloride", "Tocopherol", "@tail", PRES, "@end"],
         0.4, ALL, hyd=0.15, claims=["aging"], weight=1.0, size="spf"),
    base("sunscreen", "chemical sunscreen", ["$WATER", "@top", "@high", "Glycerin", "Dimethicone", "@mid", "Silica", "Butyloctyl Salicylate",
         "Cetearyl Alcohol", "@low", "Acrylates/C10-30 Alkyl Acrylate Crosspolymer", "Sodium Hydroxide", "Disodium EDTA", "Tocopherol",
         "@tail", PRES, "@end"], 0.3, ALL, hyd=0.15, claims=["aging"], weight=1.0, size="spf"),
    # eye care
    base("eye-care", "eye cream", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride", "Cetearyl Alcohol", "Dimethicone", "@mid",
         "Glyceryl Stearate", "?Butyrospermum Parkii (Shea) Butter", "?Squalane", "@low", "Tocopherol", "Carbomer, Sodium Hydroxide",
         "Disodium EDTA", "@tail", PRES, "@end"], 0.6, DRYISH, hyd=0.35, claims=["dark-circles"], weight=1.3, size="eye"),
    base("eye-care", "eye gel", ["$WATER", "@top", "Glycerin|Butylene Glycol", "@high", "Propanediol", "@mid", "?Aloe Barbadensis Leaf Juice",
         "@low", "Carbomer, Tromethamine|Hydroxyethylcellulose", "?Sodium Hyaluronate", "Disodium EDTA", "@tail", PRES, "@end"],
         0.1, ALL, hyd=0.15, claims=["puffiness"], weight=0.9, size="eye"),
    # masks
    base("mask", "clay mask", ["$WATER", "@top", "Kaolin", "?Bentonite", "@high", "Glycerin", "?Butylene Glycol", "@mid", "?Charcoal Powder", "Xanthan Gum", "@low",
         "?Aloe Barbadensis Leaf Juice", "@tail", PRES, "@end"], 0.0, OILYISH, hyd=0.0, claims=["pores", "oiliness"], weight=1.2, size="mask"),
    base("mask", "sleeping mask", ["$WATER", "@top", "Glycerin", "Butylene Glycol", "@high", "Dimethicone", "?Squalane", "@mid", "?Betaine",
         "@low", "Ammonium Acryloyldimethyltaurate/VP Copolymer|Carbomer, Tromethamine", "?Sodium Hyaluronate", "Disodium EDTA", "@tail", PRES,
         "@end"], 0.4, ALL, hyd=0.4, claims=["dehydration"], weight=1.0, size="mask"),
    base("mask", "sheet mask", ["$WATER", "@top", "Glycerin", "Butylene Glycol", "@high", "?Dipropylene Glycol", "@mid", "Carbomer, Arginine",
         "?Hydroxyethylcellulose", "@low", "?Allantoin", "Disodium EDTA", "@tail", "1,2-Hexanediol", "?Ethylhexylglycerin", "@end"],
         0.1, ALL, hyd=0.35, claims=["dehydration"], weight=0.8, size="sheet"),
    base("mask", "cream mask", ["$WATER", "@top", "Glycerin", "@high", "Caprylic/Capric Triglyceride", "Cetearyl Alcohol", "@mid",
         "Glyceryl Stearate, PEG-100 Stearate", "?Butyrospermum Parkii (Shea) Butter", "@low", "Xanthan Gum", "Disodium EDTA", "@tail", PRES,
         "@end"], 0.7, DRYISH, hyd=0.4, claims=["dryness"], weight=0.6, size="mask"),
    # exfoliants
    base("exfoliant", "liquid exfoliant", ["$WATER", "@top", "@high", "Glycerin|Butylene Glycol", "@mid", "?Propanediol", "@low",
         "?Panthenol", "?Polysorbate 20", "@tail", PRES, "@end"], 0.0, OILYISH + ["dry"], hyd=0.05, weight=1.5, size="toner"),
    base("exfoliant", "peel pads", ["$WATER", "@top", "@high", "Glycerin", "@mid", "?Aloe Barbadensis Leaf Juice", "Polysorbate 20", "@low",
         "?Allantoin", "@tail", PRES, "@end"], 0.0, OILYISH, hyd=0.05, weight=1.0, size="pads"),
    base("exfoliant", "gel exfoliant", ["$WATER", "@top", "@high", "Propanediol", "Glycerin", "@mid", "@low", "Hydroxyethylcellulose",
         "?Sodium Hyaluronate", "@tail", PRES, "@end"], 0.05, ALL, hyd=0.1, weight=0.8, size="serum"),
    base("exfoliant", "scrub", ["$WATER", "@top", "Glycerin", "@high", "Jojoba Esters|Oryza Sativa (Rice) Powder|Cellulose", "@mid",
         "Sodium Cocoyl Isethionate", "Cocamidopropyl Betaine", "@low", "Xanthan Gum", "Citric Acid", "@tail", PRES, "@end"],
         0.05, OILYISH, hyd=0.0, claims=["texture"], weight=0.5, size="cleanser"),
    # treatments
    base("treatment", "spot gel", ["$WATER", "@top", "@high", "Propanediol|Butylene Glycol", "@mid", "?Hamamelis Virginiana (Witch Hazel) Water",
         "@low", "Hydroxyethylcellulose|Carbomer, Sodium Hydroxide", "@tail", PRES, "@end"], 0.0, OILYISH, hyd=0.0, claims=["acne"],
         weight=1.0, size="spot"),
    base("treatment", "treatment cream", ["$WATER", "@top", "@high", "Glycerin", "Caprylic/Capric Triglyceride", "Cetearyl Alcohol", "@mid",
         "Glyceryl Stearate, PEG-100 Stearate|Cetearyl Glucoside", "Dimethicone", "@low", "Xanthan Gum", "Disodium EDTA", "@tail", PRES,
         "@end"], 0.45, ALL, hyd=0.2, weight=1.3, size="serum"),
    base("treatment", "drying paste", ["$WATER", "@top", "@high", "Kaolin", "Glycerin", "@mid", "?Zinc Oxide", "@low", "Xanthan Gum", "@tail",
         PRES, "@end"], 0.0, OILYISH, hyd=0.0, claims=["acne"], weight=0.5, size="spot"),
    # face oils
    base("face-oil", "facial oil", ["Squalane|Caprylic/Capric Triglyceride|Simmondsia Chinensis (Jojoba) Seed Oil", "@top",
         "Vitis Vinifera (Grape) Seed Oil|Camellia Oleifera Seed Oil|Simmondsia Chinensis (Jojoba) Seed Oil", "@high", "?Argania Spinosa Kernel Oil",
         "@mid", "?Oenothera Biennis (Evening Primrose) Oil", "@low", "Tocopherol", "@tail", "@end"], 0.8, DRYISH, phase="oil", hyd=0.3,
         claims=["dryness"], weight=1.0, size="oil"),
    # lip care
    base("lip-care", "lip balm", ["Petrolatum|Ricinus Communis (Castor) Seed Oil", "@top", "?Butyrospermum Parkii (Shea) Butter", "@high",
         "Cera Alba|Euphorbia Cerifera (Candelilla) Wax", "?Hydrogenated Polyisobutene", "@mid", "Simmondsia Chinensis (Jojoba) Seed Oil",
         "@low", "Tocopherol", "?Copernicia Cerifera (Carnauba) Wax", "@tail", "@end"], 1.2, ALL, phase="oil", hyd=0.5, claims=["dryness"],
         weight=1.3, size="lip"),
    base("lip-care", "lip mask", ["Hydrogenated Polyisobutene", "@top", "Diisostearyl Malate", "@high", "Butyrospermum Parkii (Shea) Butter",
         "Polybutene", "@mid", "Euphorbia Cerifera (Candelilla) Wax", "@low", "Tocopheryl Acetate", "@tail", "@end"], 1.2, ALL, phase="oil",
         hyd=0.5, claims=["dryness"], weight=0.8, size="lip"),
    # mists
    base("mist", "face mist", ["$WATER", "@top", "Glycerin", "@high", "Butylene Glycol", "@mid", "?Propanediol", "@low", "?Sodium Hyaluronate",
         "Polysorbate 20", "?Disodium EDTA", "@tail", PRES, "@end"], 0.0, ALL, hyd=0.15, claims=["dehydration"], weight=1.0, size="mist"),
    base("mist", "floral mist", ["Rosa Damascena Flower Water", "@top", "Glycerin", "@high", "?Aloe Barbadensis Leaf Juice", "@mid", "@low",
         "Polysorbate 20", "@tail", PRES, "@end"], 0.0, ALL, hyd=0.1, claims=["dehydration"], weight=0.6, size="mist"),
]

# Which hero actives each category uses (relative weights). "none" = no headline active.
HEROES = {
    "moisturizer": dict(none=1.5, ceramides=2.0, ha=1.5, niacinamide=1.3, peptides=1.2, retinol=0.6, bakuchiol=0.5, squalane=0.8,
                        centella=0.8, oat=0.7, urea=0.5, panthenol=0.6, lactic=0.3, shea=0.6, petrolatum=0.4, sap=0.3, hpr=0.3, copper=0.2),
    "serum": dict(niacinamide=2.0, retinol=1.3, retinal=0.8, hpr=0.5, bakuchiol=0.6, ascorbic=1.0, sap=0.5, ethylascorbic=0.5, thd=0.4,
                  ha=1.6, peptides=1.0, copper=0.4, tranexamic=0.8, arbutin=0.6, azelaic=0.5, centella=0.7, snail=0.5, salicylic=0.5,
                  galactomyces=0.4, ceramides=0.5, lactic=0.4, mandelic=0.3, squalane=0.3, panthenol=0.3, licorice=0.2),
    "cleanser": dict(none=3.0, salicylic=1.6, ceramides=1.0, glycolic=0.5, bpo=0.6, centella=0.5, oat=0.5, ha=0.5, niacinamide=0.3,
                     lactic=0.3, teatree=0.3, mandelic=0.2),
    "toner": dict(none=0.8, niacinamide=1.0, glycolic=1.2, lactic=0.8, mandelic=0.4, salicylic=0.8, ha=1.2, centella=0.7, galactomyces=0.5,
                  pha=0.5, snail=0.3, panthenol=0.4),
    "sunscreen": dict(zinc=1.5, zinc_titanium=1.0, chemical_spf=1.8),
    "eye-care": dict(caffeine=2.0, peptides=1.5, retinol=0.8, ha=0.8, ceramides=0.5, thd=0.3, hpr=0.3, none=0.5),
    "mask": dict(kaolin=1.6, ha=1.0, ceramides=0.5, glycolic=0.5, lactic=0.4, centella=0.6, snail=0.3, none=0.8, sulfur=0.3,
                 salicylic=0.3, squalane=0.2, oat=0.3),
    "exfoliant": dict(glycolic=2.0, lactic=1.2, mandelic=0.8, salicylic=1.5, pha=0.5),
    "treatment": dict(bpo=1.3, salicylic=1.3, sulfur=0.7, azelaic=1.2, retinal=0.6, retinol=0.6, tranexamic=0.5, teatree=0.5,
                      niacinamide=0.4, arbutin=0.3, centella=0.3),
    "face-oil": dict(none=2.0, squalane=1.5, bakuchiol=0.8, thd=0.5, rosehip=1.2, retinol=0.3),
    "lip-care": dict(none=1.5, petrolatum=0.8, shea=0.8, ceramides=0.4, peptides=0.4, ha=0.3),
    "mist": dict(none=1.0, ha=1.2, centella=0.6, niacinamide=0.3, panthenol=0.4, galactomyces=0.3),
}

# Which bases fit which actives (beyond the phase rule).
ACTIVE_BASES = {
    "ascorbic": ["vitamin c serum"],
    "bpo": ["gel cleanser", "foaming cleanser", "treatment cream", "spot gel"],
    "sulfur": ["drying paste", "clay mask", "treatment cream"],
    "kaolin": ["clay mask"],
    "zinc": ["mineral sunscreen"],
    "zinc_titanium": ["mineral sunscreen"],
    "chemical_spf": ["chemical sunscreen"],
    "glycolic": ["exfoliating toner", "liquid exfoliant", "peel pads", "gel exfoliant", "water serum", "night cream", "clay mask",
                 "gel cleanser", "treatment cream", "sleeping mask"],
    "lactic": ["exfoliating toner", "liquid exfoliant", "peel pads", "gel exfoliant", "water serum", "lotion", "cream", "sleeping mask",
               "cream cleanser", "cream mask"],
    "mandelic": ["exfoliating toner", "liquid exfoliant", "peel pads", "gel exfoliant", "water serum", "gel cleanser", "treatment cream"],
    "salicylic": ["gel cleanser", "foaming cleanser", "exfoliating toner", "liquid exfoliant", "peel pads", "gel exfoliant", "water serum",
                  "spot gel", "treatment cream", "clay mask", "oil-free moisturizer", "scrub"],
    "azelaic": ["treatment cream", "emulsion serum", "lotion"],
    "retinal": ["emulsion serum", "oil serum", "treatment cream", "night cream"],
    "retinol": ["emulsion serum", "oil serum", "night cream", "eye cream", "treatment cream", "cream", "facial oil"],
    "snail": ["essence", "ampoule", "sheet mask", "water serum"],
    "galactomyces": ["essence", "ampoule", "face mist", "water serum"],
    "urea": ["cream", "rich cream", "lotion"],
    "petrolatum": ["balm", "lip balm"],
    "shea": ["balm", "rich cream", "lip balm", "lip mask"],
}
SCRUB_ONLY = {"scrub": ["salicylic", "none"]}

# ---------------------------------------------------------------------------------------------
# Optional add-ons: fragrance, essential oils, drying alcohol, pore-clogging emollients, sulfates,
# lanolin, nut oils. Each is (ingredients, zone, the categories that carry it).
# ---------------------------------------------------------------------------------------------

FRAGRANCE_NAMES = ["Parfum (Fragrance)", "Fragrance (Parfum)", "Parfum", "Fragrance"]
ALLERGENS = ["Limonene", "Linalool", "Citronellol", "Geraniol", "Citral"]
EO_CHOICES = ["Lavandula Angustifolia (Lavender) Oil", "Citrus Aurantium Dulcis (Orange) Peel Oil", "Citrus Limon (Lemon) Peel Oil",
              "Eucalyptus Globulus Leaf Oil", "Rosmarinus Officinalis (Rosemary) Leaf Oil", "Pelargonium Graveolens Flower Oil"]
COMEDO_CHOICES = {  # by base phase / richness
    "rich": ["Cocos Nucifera (Coconut) Oil", "Theobroma Cacao (Cocoa) Seed Butter", "Isopropyl Myristate", "Myristyl Myristate"],
    "light": ["Isopropyl Myristate", "Isopropyl Palmitate", "Isopropyl Myristate"],
    "oil": ["Cocos Nucifera (Coconut) Oil", "Cocos Nucifera (Coconut) Oil", "Triticum Vulgare (Wheat) Germ Oil", "Isopropyl Myristate",
            "Theobroma Cacao (Cocoa) Seed Butter"],
}
NO_LEAVE_ON = {"cleanser"}

# ---------------------------------------------------------------------------------------------
# Names, sizes, prices.
# ---------------------------------------------------------------------------------------------

DESCRIPTORS = ["Cloud", "Dew", "Velvet", "Halo", "Tide", "Quiet", "Morning", "Midnight", "Silk", "Bloom", "Glasswater", "Soft Focus",
               "Second Skin", "Moonlit", "Still Water", "Feather", "Cocoon", "Lantern", "Cashmere", "Prism", "Harbor", "Meadow",
               "Summit", "Orchard", "Lagoon", "Aurora", "Canopy", "Driftwood", "Tidal", "Lumen", "Rainfall", "Snowmelt", "Oasis",
               "Ember", "Glacier", "Moss", "Juniper", "Marigold", "Sundrop", "Pebble", "Willow", "Nectar", "Fjord", "Mistral",
               "Saffron", "Linen", "Porcelain", "Daybreak", "Evenfall", "Solstice"]
FUNCTIONAL = {
    "aging": ["Firming", "Renewal", "Youth", "Lift", "Smoothing", "Age Repair"],
    "acne": ["Clear", "Blemish", "Clarifying", "Spot", "Breakout"],
    "hyperpigmentation": ["Even Tone", "Spot Fade", "Bright", "Tone Correcting", "Discoloration"],
    "dullness": ["Glow", "Radiance", "Brightening", "Luminous"],
    "pores": ["Pore", "Pore Refining", "Pore Clearing"],
    "oiliness": ["Matte", "Balancing", "Oil Control", "Shine Control"],
    "dryness": ["Barrier", "Comfort", "Nourishing", "Repair", "Rich"],
    "dehydration": ["Hydra", "Hydrating", "Aqua", "Plumping", "Water"],
    "redness": ["Calm", "Soothing", "Relief", "Gentle"],
    "texture": ["Smooth", "Resurfacing", "Refining", "Polish"],
    "puffiness": ["De-Puff", "Wake-Up", "Cooling"],
    "dark-circles": ["Bright Eyes", "Awake", "Eye Brightening"],
}
TYPE_NOUNS = {
    "gel cream": ["Gel Cream", "Water Gel", "Gel Moisturizer"],
    "cream": ["Cream", "Daily Moisturizer", "Moisture Cream", "Face Cream"],
    "rich cream": ["Rich Cream", "Repair Cream", "Intense Cream", "Butter Cream"],
    "night cream": ["Night Cream", "Overnight Cream", "Night Repair Cream"],
    "lotion": ["Lotion", "Daily Lotion", "Milk Lotion", "Moisturizing Lotion"],
    "oil-free moisturizer": ["Oil-Free Moisturizer", "Matte Gel", "Oil-Free Gel Lotion"],
    "balm": ["Balm", "Barrier Balm", "Recovery Balm"],
    "water serum": ["Serum", "Booster", "Drops", "Concentrate"],
    "emulsion serum": ["Serum", "Night Serum", "Emulsion"],
    "oil serum": ["Oil Serum", "Night Oil", "Serum in Oil"],
    "vitamin c serum": ["Serum", "Brightening Serum", "Antioxidant Serum"],
    "ampoule": ["Ampoule", "Serum", "Essence Serum"],
    "gel cleanser": ["Gel Cleanser", "Face Wash", "Cleansing Gel"],
    "foaming cleanser": ["Foaming Cleanser", "Foam Wash", "Cleansing Foam"],
    "cream cleanser": ["Cream Cleanser", "Milky Cleanser", "Cleansing Lotion"],
    "cleansing balm": ["Cleansing Balm", "Melting Balm"],
    "cleansing oil": ["Cleansing Oil", "Oil Cleanser"],
    "micellar water": ["Micellar Water", "Micellar Cleansing Water"],
    "hydrating toner": ["Toner", "Hydrating Toner", "Softening Lotion"],
    "exfoliating toner": ["Exfoliating Toner", "Toning Liquid", "Tonic"],
    "essence": ["Essence", "First Essence", "Treatment Essence"],
    "mineral sunscreen": ["Mineral Sunscreen", "Mineral Shield", "Sheer Mineral Fluid"],
    "chemical sunscreen": ["Daily Sunscreen", "Invisible Sun Gel", "Sun Fluid"],
    "eye cream": ["Eye Cream", "Eye Balm", "Eye Repair Cream"],
    "eye gel": ["Eye Gel", "Eye Serum", "Eye Jelly"],
    "clay mask": ["Clay Mask", "Detox Mask", "Mud Mask"],
    "sleeping mask": ["Sleeping Mask", "Overnight Mask", "Night Mask"],
    "sheet mask": ["Sheet Mask", "Sheet Mask Set"],
    "cream mask": ["Cream Mask", "Comfort Mask"],
    "liquid exfoliant": ["Liquid Exfoliant", "Exfoliating Solution", "Resurfacing Liquid"],
    "peel pads": ["Peel Pads", "Exfoliating Pads", "Resurfacing Pads"],
    "gel exfoliant": ["Peel Gel", "Exfoliating Serum", "Night Peel"],
    "scrub": ["Scrub", "Polishing Scrub", "Exfoliating Wash"],
    "spot gel": ["Spot Gel", "Blemish Gel", "Spot Treatment"],
    "treatment cream": ["Treatment", "Treatment Cream", "Night Treatment"],
    "drying paste": ["Drying Paste", "Overnight Spot Paste"],
    "facial oil": ["Face Oil", "Facial Oil", "Beauty Oil"],
    "lip balm": ["Lip Balm", "Lip Salve", "Lip Treatment"],
    "lip mask": ["Lip Mask", "Overnight Lip Mask", "Lip Sleeping Balm"],
    "face mist": ["Face Mist", "Hydrating Mist", "Refresh Mist"],
    "floral mist": ["Rose Mist", "Flower Water Mist", "Floral Toning Mist"],
}
SIZES = {  # (ml or count, weight)
    "moisturizer": [(50, 5), (30, 1), (60, 1), (75, 1), (100, 1)],
    "serum": [(30, 6), (15, 1), (50, 1), (60, 1)],
    "cleanser": [(150, 4), (120, 2), (200, 2), (236, 1), (100, 1)],
    "balm": [(100, 2), (90, 1), (50, 1)],
    "toner": [(200, 4), (150, 2), (120, 1), (250, 1)],
    "essence": [(150, 2), (100, 2), (200, 1)],
    "spf": [(50, 5), (40, 1), (30, 1), (75, 1)],
    "eye": [(15, 6), (20, 1), (10, 1)],
    "mask": [(75, 3), (50, 2), (100, 1)],
    "sheet": [(5, 1)],
    "pads": [(60, 2), (50, 1), (30, 1)],
    "spot": [(15, 2), (29, 1), (30, 1)],
    "oil": [(30, 5), (15, 1), (50, 1)],
    "lip": [(10, 2), (15, 2), (4.5, 1)],
    "mist": [(100, 4), (120, 1), (50, 1)],
}
SIZE_PRICE = {"moisturizer": 1.0, "serum": 1.15, "cleanser": 0.7, "toner": 0.8, "sunscreen": 0.85, "eye-care": 0.9, "mask": 0.85,
              "exfoliant": 0.95, "treatment": 0.85, "face-oil": 1.15, "lip-care": 0.45, "mist": 0.65}
OZ = {4.5: "0.15", 5: "0.17", 10: "0.35", 15: "0.5", 20: "0.67", 29: "1", 30: "1", 40: "1.35", 50: "1.7", 60: "2", 75: "2.5",
      90: "3", 100: "3.4", 120: "4", 150: "5", 200: "6.7", 236: "8", 250: "8.4"}

CATEGORY_PLAN = [("moisturizer", 62), ("serum", 60), ("cleanser", 40), ("treatment", 22), ("sunscreen", 22), ("eye-care", 20),
                 ("mask", 18), ("toner", 18), ("exfoliant", 14), ("face-oil", 10), ("lip-care", 10), ("mist", 8)]
KIT_COUNT = 5

# ---------------------------------------------------------------------------------------------
# Reviewers
# ---------------------------------------------------------------------------------------------

SKIN_TYPE_SHARES = [("combination", 0.47), ("dry", 0.22), ("normal", 0.16), ("oily", 0.15)]
SKIN_TONE_SHARES = [("light", 0.20), ("fair", 0.15), ("medium", 0.12), ("light-medium", 0.10), ("fair-light", 0.06), ("tan", 0.07),
                    ("medium-tan", 0.07), ("deep", 0.06), ("olive", 0.05), ("dark", 0.04), ("rich", 0.04), ("porcelain", 0.02),
                    ("ebony", 0.02)]
CAST_TONES = {"medium-tan", "tan", "deep", "dark", "rich", "ebony"}
DEEP_TONES = {"tan", "medium-tan", "deep", "dark", "rich", "ebony", "olive"}
CONCERN_BY_TYPE = {
    "oily": dict(acne=3.0, pores=2.5, oiliness=3.0, texture=1.0, hyperpigmentation=1.0, dullness=0.6, aging=0.6, redness=0.4,
                 dehydration=0.5, **{"dark-circles": 0.3, "puffiness": 0.2}),
    "combination": dict(acne=2.0, pores=2.0, oiliness=1.2, texture=1.5, hyperpigmentation=1.4, dullness=1.2, aging=1.2, redness=0.8,
                        dehydration=0.8, dryness=0.4, **{"dark-circles": 0.5, "puffiness": 0.3}),
    "dry": dict(dryness=3.0, dehydration=2.0, aging=1.6, redness=1.3, dullness=1.0, texture=0.8, hyperpigmentation=0.8, acne=0.4,
                **{"dark-circles": 0.5, "puffiness": 0.3}),
    "normal": dict(aging=2.0, dullness=1.4, hyperpigmentation=1.3, texture=1.0, pores=0.8, dehydration=0.7, redness=0.6, acne=0.6,
                   **{"dark-circles": 0.7, "puffiness": 0.4}),
}
TRIGGER_ODDS = [("fragrance", 0.7), ("essential-oils", 0.6), ("alcohol", 0.45), ("sulfates", 0.35), ("actives", 0.55),
                ("lanolin", 0.08), ("nut-oils", 0.07)]

START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
END = datetime.datetime(2025, 12, 31, 23, 59, 59, tzinfo=datetime.timezone.utc)

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def wchoice(rng, items, weights):
    total = sum(weights)
    x = rng.random() * total
    acc = 0.0
    for it, w in zip(items, weights):
        acc += w
        if x < acc:
            return it
    return items[-1]


def wpick(rng, pairs):
    return wchoice(rng, [p[0] for p in pairs], [p[1] for p in pairs])


def wdict(rng, d):
    keys = list(d)
    return wchoice(rng, keys, [d[k] for k in keys])


def expand(rng, token):
    """Expand one base token into a list of ingredients (may be empty)."""
    if token.startswith("?"):
        token = token[1:]
        p = 0.5
        if ":" in token.split(",")[0] and token[0].isdigit():
            ps, token = token.split(":", 1)
            p = float(ps)
        if rng.random() >= p:
            return []
    if "|" in token:
        token = rng.choice(token.split("|"))
    return [t.strip() for t in token.split(", ")]


def fmt_pct(x):
    if x == int(x):
        return str(int(x))
    return ("%g" % x)


# ---------------------------------------------------------------------------------------------
# Product generation
# ---------------------------------------------------------------------------------------------


class Product:
    pass


def choose_base(rng, cat, hero_key):
    cands = [b for b in BASES if b["cat"] == cat]
    if hero_key in ACTIVE_BASES:
        ok = [b for b in cands if b["sub"] in ACTIVE_BASES[hero_key]]
        if ok:
            cands = ok
    elif hero_key != "none":
        a = ACTIVES[hero_key]
        cands = [b for b in cands if b["sub"] != "vitamin c serum"]
        if a["phase"] == "water":
            cands = [b for b in cands if b["phase"] == "water"]
        elif a["phase"] == "oil":
            cands = [b for b in cands if b["phase"] == "oil"] or cands
    cands = [b for b in cands if b["sub"] != "scrub" or hero_key in SCRUB_ONLY["scrub"]]
    cands = [b for b in cands if b["sub"] not in ("vitamin c serum",) or hero_key == "ascorbic"]
    if not cands:  # e.g. ceramides or peptides in an anhydrous lip balm
        cands = [b for b in BASES if b["cat"] == cat and b["weight"] > 0]
    weights = [max(b["weight"], 0.05) for b in cands]
    return wchoice(rng, cands, weights)


def compatible(akey, b):
    a = ACTIVES[akey]
    if akey in ACTIVE_BASES and b["sub"] not in ACTIVE_BASES[akey]:
        return False
    if a["phase"] == "water" and b["phase"] == "oil":
        return False
    if a["phase"] == "oil" and b["phase"] == "water" and b["rich"] < 0.3:
        return False
    return True


SECOND_ACTIVE = {  # plausible pairings on one label
    "niacinamide": ["ha", "centella", "panthenol", "arbutin", "tranexamic", "salicylic", "ceramides"],
    "retinol": ["peptides", "ceramides", "bakuchiol", "niacinamide", "squalane", "panthenol"],
    "retinal": ["peptides", "ceramides", "squalane"],
    "hpr": ["peptides", "squalane", "ceramides"],
    "ascorbic": [],
    "glycolic": ["lactic", "salicylic", "panthenol"],
    "lactic": ["glycolic", "ha"],
    "mandelic": ["salicylic", "lactic", "niacinamide"],
    "salicylic": ["niacinamide", "glycolic", "centella", "teatree"],
    "azelaic": ["niacinamide", "centella"],
    "tranexamic": ["niacinamide", "arbutin", "licorice"],
    "arbutin": ["niacinamide", "tranexamic", "licorice"],
    "ha": ["panthenol", "ceramides", "niacinamide", "centella"],
    "ceramides": ["niacinamide", "ha", "squalane", "panthenol", "peptides"],
    "peptides": ["ha", "niacinamide", "ceramides", "copper"],
    "caffeine": ["peptides", "ha", "niacinamide"],
    "centella": ["panthenol", "ha", "niacinamide"],
    "zinc": ["niacinamide", "ha"],
    "zinc_titanium": ["niacinamide"],
    "chemical_spf": ["niacinamide", "ha"],
    "kaolin": ["salicylic", "niacinamide"],
    "bpo": [],
    "sulfur": ["niacinamide"],
}


def make_product(rng, cat, brand_, used_names):
    p = Product()
    p.cat = cat
    p.brand = brand_
    heroes = dict(HEROES[cat])
    for s in brand_["signature"]:
        if s in heroes:
            heroes[s] *= 4.0
    for _ in range(50):
        hero = wdict(rng, heroes)
        b = choose_base(rng, cat, hero)
        if hero == "none" or compatible(hero, b):
            break
    p.base = b
    p.sub = b["sub"]
    actives = []  # (key, strength, zone)
    if hero != "none":
        a = ACTIVES[hero]
        st, zone = rng.choice(a["strengths"])
        # the kind of thing a brand puts on a label: a single-active serum at a clinical strength
        actives.append((hero, st, zone))
        pairs = [k for k in SECOND_ACTIVE.get(hero, []) if compatible(k, b)]
        if cat == "cleanser":
            pairs = [k for k in pairs if k in ("niacinamide", "ha", "centella", "panthenol", "oat", "salicylic", "ceramides")]
        n2 = 0
        if pairs:
            n2 = wchoice(rng, [0, 1, 2], [0.45, 0.4, 0.15]) if cat != "cleanser" else wchoice(rng, [0, 1], [0.6, 0.4])
        for k in rng.sample(pairs, min(n2, len(pairs))):
            a2 = ACTIVES[k]
            st2, z2 = a2["strengths"][-1] if a2["strengths"][-1][1] in ("mid", "low") else rng.choice(a2["strengths"])
            # a supporting active sits lower than the hero
            if z2 in ("top",) and zone in ("top", "high"):
                z2 = "high" if zone == "top" else "mid"
            actives.append((k, st2, z2))
    p.hero = hero
    p.actives = actives

    # add-ons
    addons = []  # (ingredients, zone)
    leave_on = cat not in NO_LEAVE_ON
    q = brand_
    has_frag = rng.random() < q["fragrance"] * (0.5 if hero in ("bpo", "salicylic", "azelaic", "retinal") else 1.0)
    has_eo = rng.random() < q["eo"] and cat not in ("eye-care",)
    if cat == "lip-care" and rng.random() < 0.2:
        addons.append((["Mentha Piperita (Peppermint) Oil"], "low"))
        has_eo = False
    if has_eo:
        eos = rng.sample(EO_CHOICES, wchoice(rng, [1, 2, 3], [0.5, 0.35, 0.15]))
        addons.append((eos, "low"))
    allergens = []
    if has_frag or has_eo:
        allergens = sorted(rng.sample(ALLERGENS, wchoice(rng, [0, 1, 2, 3], [0.15, 0.3, 0.35, 0.2])), key=ALLERGENS.index)
    if has_frag:
        addons.append(([rng.choice(FRAGRANCE_NAMES)], "end"))
    if allergens:
        addons.append((allergens, "end2"))
    if b["phase"] == "water" and b["rich"] <= 0.4 and cat in ("toner", "mist", "sunscreen", "treatment", "exfoliant", "moisturizer", "serum") \
            and rng.random() < q["alcohol"] * (2.0 if cat in ("toner", "sunscreen", "mist") else 1.0) + \
            (0.06 if cat in ("toner", "sunscreen", "treatment", "exfoliant", "mist") else 0.0):
        addons.append((["Alcohol Denat."], "top" if cat in ("toner", "mist") else "high"))
    if cat == "toner" and rng.random() < 0.15 + 0.3 * (q["style"] in ("botanical", "acne", "aroma")):
        addons.append((["Hamamelis Virginiana (Witch Hazel) Water"], "top"))
    if cat == "cleanser" and b["sub"] in ("gel cleanser", "foaming cleanser") and \
            rng.random() < 0.15 + 0.4 * (q["style"] in ("trend", "acne", "minimal", "jbeauty")):
        addons.append((["Sodium Lauryl Sulfate"], "top"))
    comedo_p = q["comedo"] * (1.5 if b["rich"] >= 0.6 else 0.9) + (0.18 if cat in ("moisturizer", "sunscreen", "eye-care", "face-oil") else 0)
    if cat in ("cleanser",) and b["phase"] != "oil":
        comedo_p *= 0.2
    if cat in ("toner", "mist", "exfoliant") or (b["phase"] == "water" and b["rich"] < 0.3):
        comedo_p = 0.0
    if rng.random() < comedo_p:
        kind = "oil" if b["phase"] == "oil" else ("rich" if b["rich"] >= 0.6 else "light")
        c = rng.choice(COMEDO_CHOICES[kind])
        addons.append(([c], "top" if b["phase"] == "oil" and rng.random() < 0.5 else "mid" if kind == "light" else "high"))
    if b["rich"] >= 0.6 and rng.random() < q["lanolin"] * 1.5 + (0.1 if cat == "lip-care" else 0.0):
        addons.append((["Lanolin"], "mid"))
    if (b["phase"] == "oil" or b["rich"] >= 0.6) and rng.random() < q["nut"] * 1.5 + 0.03:
        addons.append((["Prunus Amygdalus Dulcis (Sweet Almond) Oil"], "high" if b["phase"] == "oil" else "mid"))
    # supporting botanicals and helpers
    support = []
    pool = SUPPORT_OIL if b["phase"] == "oil" else SUPPORT_WATER
    n_sup = wchoice(rng, [0, 1, 2, 3, 4, 5, 6], [0.05, 0.12, 0.22, 0.24, 0.17, 0.12, 0.08])
    if q["style"] in ("botanical", "aroma", "kbeauty", "indie", "floral", "clean", "spa", "luxury"):
        n_sup += 2
    n_sup += {"budget": 0, "mid": 0, "premium": 1, "luxury": 2}[q["tier"]]
    if cat in ("cleanser", "exfoliant", "lip-care", "sunscreen"):
        n_sup = max(0, n_sup - 2)
    support = rng.sample(pool, min(n_sup, len(pool)))
    p.support = support
    helpers = []
    if b["phase"] == "water":
        n_help = wchoice(rng, [0, 1, 2, 3, 4, 5], [0.05, 0.17, 0.28, 0.25, 0.15, 0.1])
        helpers = rng.sample(HELPERS_WATER, n_help)
        if cat in ("moisturizer", "toner", "serum", "mask") and rng.random() < 0.12:
            helpers = NMF + helpers
    elif rng.random() < 0.5:
        helpers = rng.sample(HELPERS_OIL, wchoice(rng, [1, 2], [0.6, 0.4]))
    texture = []
    if b["phase"] == "water" and b["rich"] >= 0.3:
        texture = rng.sample(EMULSION_EXTRAS, wchoice(rng, [0, 1, 2, 3, 4], [0.15, 0.25, 0.3, 0.2, 0.1]) + (q["tier"] in ("premium", "luxury")))
    solvents = []
    if b["phase"] == "water" and cat not in ("cleanser",):
        solvents = rng.sample(SOLVENTS, wchoice(rng, [0, 1, 2], [0.4, 0.4, 0.2]))

    # assemble the label
    slots = {"top": [], "high": [], "mid": [], "low": [], "tail": [], "end": [], "end2": []}
    for key, st, zone in actives:
        a = ACTIVES[key]
        slots[zone].extend(a["inci"])
        for comp, cz, cp in a["companions"]:
            if rng.random() < cp:
                slots[cz].append(comp)
    for ingr, zone in addons:
        slots[zone].extend(ingr)
    for s in support:
        slots["low"].append(s)
    rng.shuffle(slots["low"])  # low-level ingredients (<1%) may be listed in any order
    slots["tail"].extend(helpers)
    slots["mid"].extend(texture)
    slots["high"].extend(solvents)
    tokens = []
    for t in b["tokens"]:
        if t.startswith("@"):
            z = t[1:]
            tokens.extend(slots[z])
            if z == "end":
                tokens.extend(slots["end2"])
            continue
        tokens.extend(expand(rng, t))
    seen = set()
    ingredients = []
    for t in tokens:
        k = t.lower()
        if k in seen:
            continue
        seen.add(k)
        ingredients.append(t)
    if b["sub"] == "oil serum" and len(ingredients) < 3:
        ingredients.insert(1, "Caprylic/Capric Triglyceride" if ingredients[0] == "Squalane" else "Squalane")
    p.ingredients = ingredients
    p.addons = addons
    p.label_kind = "plain"
    if cat == "sunscreen":
        p.spf = rng.choice([30, 30, 35, 40, 45, 50, 50])
        if hero == "chemical_spf" or rng.random() < 0.5:
            p.label_kind = "drug"
        p.tinted = hero in ("zinc", "zinc_titanium") and rng.random() < 0.35
    elif hero in ("bpo", "salicylic") and cat in ("cleanser", "treatment") and rng.random() < 0.45:
        p.label_kind = "drug"
    p.tinted = getattr(p, "tinted", False)
    p.name = make_name(rng, p, used_names)
    return p


def hero_strength(p):
    if p.hero == "none":
        return None
    for k, st, z in p.actives:
        if k == p.hero:
            return st
    return None


def make_name(rng, p, used):
    a = ACTIVES.get(p.hero)
    nouns = TYPE_NOUNS[p.sub]
    for attempt in range(200):
        noun = rng.choice(nouns)
        style = rng.random()
        concern = None
        if a:
            tops = sorted(a["treats"], key=lambda c: (-a["treats"][c], c))[:2]
            concern = rng.choice(tops)
        elif p.base["claims"]:
            concern = rng.choice(p.base["claims"])
        desc = rng.choice(DESCRIPTORS)
        func = rng.choice(FUNCTIONAL[concern]) if concern else None
        word = rng.choice(a["words"]) if a else None
        st = hero_strength(p)
        if a and p.hero in ("niacinamide", "ascorbic", "glycolic", "lactic", "mandelic", "salicylic", "azelaic", "bpo", "tranexamic",
                            "arbutin", "retinol", "retinal", "urea", "caffeine") and rng.random() < 0.35 and st:
            word = "%s %s%%" % (a["words"][0], fmt_pct(st))
            if p.hero == "niacinamide" and "Zinc PCA" in p.ingredients:
                word += " + Zinc"
        if p.cat == "sunscreen":
            name = "%s %s SPF %d" % (rng.choice([desc, func or desc]), noun, p.spf)
            if p.tinted:
                name = "%s Tinted %s SPF %d" % (desc, noun.replace("Mineral ", "Mineral ").strip(), p.spf)
        elif style < 0.3 and word:
            name = "%s %s" % (word, noun)
        elif style < 0.55 and func:
            name = "%s %s %s" % (desc, func, noun)
        elif style < 0.8 and word:
            name = "%s %s %s" % (desc, word, noun)
        else:
            name = "%s %s" % (desc, noun)
        name = " ".join(name.split())
        if name.lower() in used:
            continue
        used.add(name.lower())
        return name
    raise RuntimeError("could not name product")


def render_water(brand_):
    return brand_["water"]


VIT_PARENS = {"Tocopherol": "Tocopherol (Vitamin E)", "Panthenol": "Panthenol (Provitamin B5)", "Niacinamide": "Niacinamide (Vitamin B3)",
              "Ascorbic Acid": "Ascorbic Acid (Vitamin C)", "Retinol": "Retinol (Vitamin A)", "Tocopheryl Acetate": "Tocopheryl Acetate (Vitamin E)"}


def render_list(rng, p, ingredients, allow_pct=True):
    """Render a canonical ingredient list the way this brand prints labels."""
    b = p.brand
    out = []
    stars = b["organic"] and rng.random() < 0.7
    starred = False
    pct_done = not allow_pct or rng.random() >= b["pct_label"] * 0.5
    hero_inci = ACTIVES[p.hero]["inci"][0] if p.hero in ACTIVES else None
    for ing in ingredients:
        t = ing
        if t == "$WATER":
            t = render_water(b)
        if t == "Water":
            t = render_water(b)
        if b["vit_parens"] and t in VIT_PARENS:
            t = VIT_PARENS[t]
        if not pct_done and ing == hero_inci and p.hero in ("niacinamide", "salicylic", "glycolic", "lactic", "azelaic", "tranexamic",
                                                             "ascorbic", "mandelic", "arbutin", "urea"):
            st = hero_strength(p)
            t = "%s (%s%%)" % (t, fmt_pct(st)) if rng.random() < 0.5 else "%s %s%%" % (t, fmt_pct(st))
            pct_done = True
        if stars and ing in PLANT and ing not in ESSENTIAL and rng.random() < 0.8:
            t += "*"
            starred = True
        out.append(t)
    text = ", ".join(out)
    return text, starred


def render_ingredients(rng, p):
    b = p.brand
    ings = p.ingredients
    if getattr(p, "kit", None):
        parts = []
        any_star = False
        for heading, sub in p.kit:
            t, s = render_list(rng, sub, sub.ingredients, allow_pct=False)
            any_star = any_star or s
            parts.append("%s: %s." % (heading, t))
        text = " ".join(parts)
        if any_star:
            text += " *Certified organic ingredient."
        return text
    if p.label_kind == "drug":
        actives = []
        rest = []
        drug_inci = set()
        for k, st, z in p.actives:
            if k in ("zinc", "zinc_titanium", "chemical_spf", "bpo", "salicylic") and (k == p.hero):
                drug_inci.update(ACTIVES[k]["inci"])
        for ing in ings:
            (actives if ing in drug_inci else rest).append(ing)
        actives.sort()
        pcts = drug_percentages(rng, p, actives)
        head = ", ".join("%s %s%%" % (a, pcts[a]) for a in actives)
        body, starred = render_list(rng, p, rest, allow_pct=False)
        word = "Active Ingredient" if len(actives) == 1 else "Active Ingredients"
        text = "%s: %s. Inactive Ingredients: %s." % (word, head, body)
    else:
        text, starred = render_list(rng, p, ings)
        if b["period"]:
            text += "."
        if starred:
            text += ("" if text.endswith(".") else ".") + " *Certified organic ingredient."
    if p.tinted:
        text += ("" if text.endswith(".") else ".") + " May Contain: Iron Oxides (CI 77491, CI 77492, CI 77499)."
    return text


def drug_percentages(rng, p, actives):
    out = {}
    for a in actives:
        if a == "Zinc Oxide":
            out[a] = rng.choice(["12", "15", "18.6", "20", "21.6"]) if len(actives) == 1 else rng.choice(["9.5", "10", "12"])
        elif a == "Titanium Dioxide":
            out[a] = rng.choice(["3.5", "5", "6"])
        elif a == "Homosalate":
            out[a] = rng.choice(["7", "8", "10"])
        elif a == "Octisalate":
            out[a] = "5"
        elif a == "Octocrylene":
            out[a] = rng.choice(["5", "7", "8"])
        elif a == "Avobenzone":
            out[a] = rng.choice(["2.7", "3"])
        else:
            out[a] = fmt_pct(hero_strength(p))
    return out


def sort_drug_first(p):
    """For drug-facts labels the actives are pulled out of the list; keep internal positions meaningful."""
    if p.label_kind != "drug":
        return
    drug = set()
    if p.hero in ("zinc", "zinc_titanium", "chemical_spf", "bpo", "salicylic"):
        drug.update(ACTIVES[p.hero]["inci"])
    first = [i for i in p.ingredients if i in drug]
    rest = [i for i in p.ingredients if i not in drug]
    p.ingredients_internal = first + rest


def price_for(rng, p):
    lo, hi = TIERS[p.brand["tier"]]
    x = lo + (hi - lo) * rng.random() ** 1.3
    x *= SIZE_PRICE[p.cat]
    if p.hero in ("retinal", "ascorbic", "peptides", "copper") and p.cat in ("serum", "eye-care", "moisturizer"):
        x *= 1.15
    if getattr(p, "kit", None):
        x *= 1.6
    x = max(8.0, min(180.0, x))
    if p.brand["tier"] == "budget":
        return round(math.floor(x) + rng.choice([0.0, 0.5, 0.99, 0.99]), 2)
    if p.brand["tier"] == "mid":
        return float(round(x))
    return float(int(round(x / 2.0)) * 2)


def size_for(rng, p):
    if getattr(p, "kit", None):
        return " + ".join(size_for(rng, part) for _, part in p.kit)
    kind = p.base["size"] or {"moisturizer": "moisturizer", "serum": "serum", "face-oil": "oil", "lip-care": "lip", "mist": "mist"}.get(
        p.cat, "serum")
    ml = wpick(rng, SIZES[kind])
    if kind == "sheet":
        return "5 sheets x 25 ml"
    if kind == "pads":
        return "%d pads" % ml
    unit = "g" if kind in ("lip", "balm") or p.sub in ("balm",) else "ml"
    oz = OZ.get(ml)
    if p.brand["tier"] in ("mid", "premium") and oz and rng.random() < 0.5:
        return "%s oz / %s %s" % (oz, fmt_pct(ml), unit)
    return "%s %s" % (fmt_pct(ml), unit)


def product_signals(p):
    """Numbers the outcome model uses, from the internal ingredient list."""
    ings = getattr(p, "ingredients_internal", p.ingredients)
    n = len(ings)
    comedo = 0.0
    irr = {}
    soothe = 0.0
    hyd = p.base["hyd"]
    for pos, ing in enumerate(ings):
        w = 1.0 if pos < 5 else 0.8 if pos < 10 else 0.6 if pos < 20 else 0.45
        pr = PROPS.get(ing)
        if not pr:
            continue
        if pr.get("comedo", 0) >= 2:
            comedo = max(comedo, pr["comedo"] * w)
        if "irr" in pr:
            kind, wt = pr["irr"]
            irr[kind] = irr.get(kind, 0.0) + wt * (0.6 + 0.4 * w)
        soothe += pr.get("soothe", 0.0)
        hyd += pr.get("hyd", 0.0) * w
    act_irr = 0.0
    purge = False
    for k, st, z in p.actives:
        a = ACTIVES[k]
        strength = {"top": 1.0, "high": 0.85, "mid": 0.7, "low": 0.6}[z]
        if k in ("retinol", "retinal", "salicylic", "bpo", "glycolic"):
            top = a["strengths"][-1][0]
            strength = 0.55 + 0.45 * (st / top if top else 1)
        act_irr += a["irr"] * strength
        purge = purge or a["purge"]
    if p.cat in ("cleanser",):
        act_irr *= 0.4
        hyd *= 0.35
    elif p.cat in ("exfoliant", "treatment"):
        hyd *= 0.5
    elif p.cat == "sunscreen":
        hyd *= 0.6
    irr["actives"] = act_irr
    soothe = min(soothe, 0.4)
    for k in list(irr):
        irr[k] *= (1.0 - soothe)
    if "essential-oils" in irr:
        irr["essential-oils"] = min(irr["essential-oils"], 1.8)
    if "fragrance" in irr:
        irr["fragrance"] = min(irr["fragrance"], 1.5)
    # what it treats, per concern (0-1)
    eff = {}
    rinse = 0.45 if p.cat == "cleanser" else 0.6 if p.cat == "mist" else 1.0
    for k, st, z in p.actives:
        a = ACTIVES[k]
        dose = {"top": 1.0, "high": 1.0, "mid": 0.85, "low": 0.7}[z]
        if k in ("salicylic", "bpo") and p.cat == "cleanser":
            dose *= 1.5
        for c, e in a["treats"].items():
            eff[c] = max(eff.get(c, 0.0), e * dose * rinse)
    for s in p.support:
        for c, e in SUPPORT_TREATS.get(s, {}).items():
            eff[c] = max(eff.get(c, 0.0), e * rinse)
    for c in ("dryness", "dehydration"):
        eff[c] = max(eff.get(c, 0.0), min(0.8, hyd * (0.65 if c == "dryness" else 0.55)))
    if p.sub == "clay mask":
        eff["oiliness"] = max(eff.get("oiliness", 0), 0.45)
        eff["pores"] = max(eff.get("pores", 0), 0.35)
    if p.sub == "oil-free moisturizer":
        eff["oiliness"] = max(eff.get("oiliness", 0), 0.35)
    return dict(comedo=comedo, irr=irr, hyd=hyd, purge=purge, eff=eff, rich=p.base["rich"])


def claims_for(rng, p, sig):
    claims = set(p.base["claims"])
    for k, st, z in p.actives:
        a = ACTIVES[k]
        ranked = sorted(a["treats"].items(), key=lambda kv: (-kv[1], kv[0]))
        take = ranked[:3] if k == p.hero else ranked[:1]
        if k != p.hero and p.cat == "cleanser":
            take = []
        for c, e in take:
            if e >= a["claim_min"] or (k == p.hero and c == ranked[0][0]):
                claims.add(c)
    if p.cat == "sunscreen":
        claims.update(["aging", "hyperpigmentation"])
    if p.hero == "caffeine":
        claims.update(["puffiness", "dark-circles"])
    if p.cat == "lip-care":
        claims = {"dryness"} | ({"aging"} if p.hero == "peptides" else set())
    if sig["hyd"] >= 0.7 and p.cat in ("moisturizer", "mask", "face-oil"):
        claims.add("dryness")
    order = ["acne", "aging", "dark-circles", "dryness", "dullness", "hyperpigmentation", "oiliness", "pores", "puffiness", "redness",
             "texture", "dehydration"]
    out = [c for c in order if c in claims]
    if len(out) > 4:
        keep = rng.sample(out, 4)
        # never drop the hero's first claim
        if p.hero in ACTIVES:
            first = sorted(ACTIVES[p.hero]["treats"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            if first in out and first not in keep:
                keep[-1] = first
        out = [c for c in out if c in keep]
    return out


def suits_for(p, sig):
    suits = list(p.base["suits"])
    ings = set(p.ingredients)
    if {"Cocos Nucifera (Coconut) Oil", "Theobroma Cacao (Cocoa) Seed Butter", "Triticum Vulgare (Wheat) Germ Oil"} & ings and "oily" in suits:
        suits.remove("oily")
    if "Alcohol Denat." in ings and "dry" in suits and len(suits) > 1:
        suits.remove("dry")
    if p.hero in ("bpo", "sulfur", "salicylic") and p.cat in ("treatment", "cleanser", "toner", "mask") and "dry" in suits and len(suits) > 2:
        suits.remove("dry")
    return [t for t in ALL if t in suits]


def highlights_for(rng, p, sig):
    ings = set(getattr(p, "all_ingredients", p.ingredients))
    h = []
    has_frag = bool(ings & FRAGRANCE) or bool(ings & ESSENTIAL)
    if not has_frag and rng.random() < 0.85:
        h.append("fragrance free")
    animal = bool(ings & ANIMAL)
    if not animal and rng.random() < p.brand["vegan"]:
        h.append("vegan")
    if rng.random() < 0.6:
        h.append("cruelty free")
    if p.brand["clean"] and not (ings & {"Sodium Lauryl Sulfate", "Sodium Laureth Sulfate", "Petrolatum", "Mineral Oil"}) and rng.random() < 0.8:
        h.append("clean formula")
    if not (ings & OILS) and p.cat in ("moisturizer", "serum", "sunscreen", "toner", "mist", "treatment", "eye-care") and rng.random() < 0.6:
        h.append("oil free")
    if not (ings & SILICONES) and rng.random() < 0.35:
        h.append("silicone free")
    if "Alcohol Denat." not in ings and p.cat in ("toner", "mist", "sunscreen") and rng.random() < 0.6:
        h.append("alcohol free")
    if p.cat == "cleanser" and not (ings & {"Sodium Lauryl Sulfate", "Sodium Laureth Sulfate"}) and rng.random() < 0.6:
        h.append("sulfate free")
    if sig["comedo"] < 2 and p.base["rich"] < 0.9 and rng.random() < 0.35:
        h.append("non-comedogenic")
    if p.brand["style"] in ("derm", "clinical") and rng.random() < 0.5:
        h.append("dermatologist tested")
    if p.hero in ("zinc", "zinc_titanium") and rng.random() < 0.6:
        h.append("reef-conscious mineral filters")
    if sig["hyd"] >= 0.55 and p.cat not in ("cleanser", "exfoliant") and rng.random() < 0.7:
        h.append("deeply hydrating")
    tags = []
    for k, st, z in p.actives:
        t = ACTIVES[k]["tag"]
        if t and t not in tags:
            tags.append(t)
    h.extend(tags[:2])
    if p.cat == "sunscreen":
        h.append("spf %d" % p.spf)
    if rng.random() < 0.08:
        h.append("refill available")
    return h


def make_kit(rng, brand_, used_names):
    """A two-step set sold as one product, listing both formulas under headings."""
    combos = [("cleanser", "moisturizer", "Cleanser", "Moisturizer"), ("serum", "moisturizer", "Serum", "Cream"),
              ("cleanser", "treatment", "Cleanser", "Spot Treatment"), ("toner", "serum", "Toner", "Serum"),
              ("eye-care", "serum", "Eye Cream", "Serum")]
    c1, c2, h1, h2 = rng.choice(combos)
    a = make_product(rng, c1, brand_, set())
    b_ = make_product(rng, c2, brand_, set())
    p = Product()
    p.cat = c1
    p.brand = brand_
    p.base = dict(a.base)
    p.base["claims"] = sorted(set(a.base["claims"]) | set(b_.base["claims"]))
    p.base["suits"] = [t for t in ALL if t in a.base["suits"] and t in b_.base["suits"]] or list(a.base["suits"])
    p.base["rich"] = max(a.base["rich"], b_.base["rich"])
    p.sub = "set"
    p.hero = a.hero if a.hero != "none" else b_.hero
    p.actives = a.actives + b_.actives
    p.support = a.support + b_.support
    p.ingredients = a.ingredients + [i for i in b_.ingredients if i not in a.ingredients]
    p.all_ingredients = a.ingredients + b_.ingredients
    p.kit = [(h1, a), (h2, b_)]
    p.label_kind = "plain"
    p.tinted = False
    p.addons = a.addons + b_.addons
    name = None
    for _ in range(100):
        desc = rng.choice(DESCRIPTORS)
        concern = (p.base["claims"] or ["dryness"])[0]
        cand = "%s %s %s" % (desc, rng.choice(FUNCTIONAL.get(concern, ["Daily"])), rng.choice(["Duo", "Routine Set", "Starter Kit", "Two-Step Set"]))
        if cand.lower() not in used_names:
            used_names.add(cand.lower())
            name = cand
            break
    p.name = name
    return p


def generate_products(rng):
    brand_counts = {b["name"]: 0 for b in BRANDS}
    used_names_by_brand = {b["name"]: set() for b in BRANDS}
    plan = []
    for cat, n in CATEGORY_PLAN:
        plan.extend([cat] * n)
    rng.shuffle(plan)
    products = []
    for i, cat in enumerate(plan):
        weights = []
        for b in BRANDS:
            w = b["cats"].get(cat, 1.0) * (0.6 + 0.4 * b["popularity"]) / (1.0 + brand_counts[b["name"]] / 7.0) ** 2
            weights.append(w)
        b = wchoice(rng, BRANDS, weights)
        brand_counts[b["name"]] += 1
        products.append(make_product(rng, cat, b, used_names_by_brand[b["name"]]))
    for k in range(KIT_COUNT):
        b = wchoice(rng, BRANDS, [bb["popularity"] for bb in BRANDS])
        products.append(make_kit(rng, b, used_names_by_brand[b["name"]]))
    # shuffle so that ids do not follow categories, then number them
    rng.shuffle(products)
    out = []
    for i, p in enumerate(products):
        p.id = "demo-%04d" % (i + 1)
        sort_drug_first(p)
        p.sig = product_signals(p)
        p.claims = claims_for(rng, p, p.sig)
        p.suits = suits_for(p, p.sig)
        p.highlights = highlights_for(rng, p, p.sig)
        p.price = price_for(rng, p)
        p.size = size_for(rng, p)
        p.label = render_ingredients(rng, p)
        p.quality = rng.gauss(p.brand["quality"], 0.3)
        # launch: most products are on shelf for the whole period, some launch during it
        if rng.random() < 0.72:
            p.launch = START
        else:
            p.launch = START + datetime.timedelta(days=rng.randint(30, 640))
        out.append(p)
    return out


# ---------------------------------------------------------------------------------------------
# Reviewers and reviews
# ---------------------------------------------------------------------------------------------


class Reviewer:
    pass


def generate_reviewers(rng):
    rs = []
    for i in range(N_REVIEWERS):
        r = Reviewer()
        r.id = "demo-u-%04d" % (i + 1)
        r.skin_type = wpick(rng, SKIN_TYPE_SHARES)
        r.skin_tone = wpick(rng, SKIN_TONE_SHARES)
        weights = dict(CONCERN_BY_TYPE[r.skin_type])
        if r.skin_tone in DEEP_TONES:
            weights["hyperpigmentation"] = weights.get("hyperpigmentation", 0.5) * 2.2
        n = wchoice(rng, [0, 1, 2, 3], [0.12, 0.33, 0.33, 0.22])
        concerns = []
        while len(concerns) < n:
            c = wdict(rng, weights)
            if c not in concerns:
                concerns.append(c)
        order = ["acne", "aging", "dark-circles", "dryness", "dullness", "hyperpigmentation", "oiliness", "pores", "puffiness", "redness",
                 "texture", "dehydration"]
        r.concerns = [c for c in order if c in concerns]
        p_sens = {"dry": 0.38, "combination": 0.26, "normal": 0.18, "oily": 0.16}[r.skin_type] + (0.12 if "redness" in r.concerns else 0)
        r.sensitive = rng.random() < p_sens
        r.triggers = {}
        for kind, odds in TRIGGER_ODDS:
            if r.sensitive and rng.random() < odds:
                r.triggers[kind] = rng.uniform(0.7, 1.3)
            elif not r.sensitive and kind in ("lanolin", "nut-oils") and rng.random() < odds * 0.3:
                r.triggers[kind] = rng.uniform(0.7, 1.0)
        r.acne_prone = {"oily": 0.75, "combination": 0.5, "normal": 0.2, "dry": 0.1}[r.skin_type] + (0.3 if "acne" in r.concerns else 0)
        r.acne_prone = min(1.0, r.acne_prone * rng.uniform(0.6, 1.3))
        r.leniency = rng.gauss(0.0, 0.35)
        r.join = START + datetime.timedelta(days=rng.randint(0, 650))
        rs.append(r)
    # number of reviews per reviewer: 1-15, skewed (a few enthusiasts write many)
    ks = list(range(1, 16))
    w = [k ** -0.85 for k in ks]
    for r in rs:
        r.n_reviews = wchoice(rng, ks, w)
    return rs


def popularity(rng, products):
    """Zipf-like popularity: a hidden rank drawn with brand and category bias."""
    cat_w = {"moisturizer": 1.4, "serum": 1.4, "cleanser": 1.2, "sunscreen": 1.2, "toner": 1.0, "treatment": 1.0, "eye-care": 0.8,
             "mask": 0.8, "exfoliant": 1.0, "face-oil": 0.7, "lip-care": 0.8, "mist": 0.6}
    keyed = []
    for p in products:
        score = math.log(p.brand["popularity"] * cat_w[p.cat]) + rng.gauss(0, 0.9) + 0.8 * p.quality
        if p.launch > START:
            score -= 0.6
        keyed.append((-score, p.id, p))
    keyed.sort(key=lambda t: (t[0], t[1]))
    for rank, (_, _, p) in enumerate(keyed, start=1):
        p.pop = 1.0 / rank ** 0.85
        p.pop_rank = rank


def choice_weight(r, p):
    w = p.pop
    if set(r.concerns) & set(p.claims):
        w *= 2.5
    w *= 1.4 if r.skin_type in p.suits else 0.55
    if r.skin_type == "oily" and p.sig["rich"] >= 0.9:
        w *= 0.5
    return w


def sample_without_replacement(rng, items, weights, k):
    # Efraimidis-Spirakis: key = u^(1/w)
    keyed = []
    for it, w in zip(items, weights):
        if w <= 0:
            continue
        u = rng.random()
        keyed.append((math.log(u if u > 0 else 1e-300) / w, it))
    keyed.sort(key=lambda t: (-t[0], t[1].id))
    return [it for _, it in keyed[:k]]


def white_cast(p, r):
    return p.hero in ("zinc", "zinc_titanium") and not p.tinted and r.skin_tone in CAST_TONES


def outcome(rng, r, p, days_in):
    """The hidden truth of one (reviewer, product) use: effects and a latent satisfaction."""
    s = p.sig
    effects = []
    # benefit: how well the product's actives meet the reviewer's concerns
    if r.concerns:
        vals = [s["eff"].get(c, 0.0) for c in r.concerns]
        benefit = 0.6 * max(vals) + 0.4 * sum(vals) / len(vals)
        best = max(r.concerns, key=lambda c: (s["eff"].get(c, 0.0), c))
    else:
        benefit = 0.25
        best = None
    # breakouts: pore-clogging emollients on oily / combination / acne-prone skin
    prone = r.acne_prone
    comedo = s["comedo"]
    p_break = 0.012 + 0.03 * prone + prone * (0.12 * max(0.0, comedo - 1.0) ** 1.1)
    if s["rich"] >= 0.9 and r.skin_type in ("oily", "combination"):
        p_break += 0.06 * prone
    if p.hero == "chemical_spf":
        p_break += 0.03 * prone
    if p.cat == "cleanser":
        p_break *= 0.4
    elif p.cat == "lip-care":
        p_break *= 0.2  # only the skin around the mouth
    p_break = min(p_break, 0.7)
    breakout = rng.random() < p_break
    # irritation: fragrance, essential oils, drying alcohol, sulfates, strong actives on sensitive skin
    load = 0.0
    for kind, v in s["irr"].items():
        tw = r.triggers.get(kind, 0.0)
        if kind == "actives":
            tw = max(tw, 0.25)  # strong actives sting some people regardless
        load += v * tw
    if r.skin_type == "dry":
        load *= 1.2
    p_irr = min(0.75, 0.01 + 0.33 * load)
    irritation = rng.random() < p_irr
    # purging: retinoids and acids on congested skin, early on
    purging = False
    if s["purge"] and not breakout:
        p_p = 0.04 + 0.14 * prone
        purging = rng.random() < p_p
    # improvement
    p_imp = 0.08 + 0.75 * min(1.0, benefit) + 0.1 * p.quality
    if breakout or irritation:
        p_imp *= 0.25
    if purging:
        p_imp = max(p_imp, 0.55)
    if days_in < 10:
        p_imp *= 0.6
    improved = rng.random() < max(0.02, min(0.9, p_imp))
    # hydration: moisturising products on skin that needs it
    need = {"dry": 1.0, "normal": 0.5, "combination": 0.45, "oily": 0.25}[r.skin_type]
    if "dehydration" in r.concerns or "dryness" in r.concerns:
        need += 0.35
    p_hyd = min(0.8, 0.02 + 0.55 * s["hyd"] * need)
    hydration = rng.random() < p_hyd
    if irritation and rng.random() < 0.7:
        hydration = False
    no_change = False
    if not (breakout or irritation or purging or improved or hydration):
        no_change = rng.random() < (0.42 if r.concerns else 0.25)
    if breakout:
        effects.append("breakout")
    if irritation:
        effects.append("irritation")
    if purging:
        effects.append("purging")
    if improved:
        effects.append("improved")
    if hydration:
        effects.append("hydration")
    if no_change:
        effects.append("no-change")
    effects = effects[:2]
    # latent satisfaction
    L = 0.0
    L += p.quality * 0.6 + r.leniency
    L += 1.15 if "improved" in effects else 0.0
    L += 0.5 if "hydration" in effects else 0.0
    L -= 2.3 if "breakout" in effects else 0.0
    L -= 2.0 if "irritation" in effects else 0.0
    L -= 0.35 if "purging" in effects and "improved" not in effects else 0.0
    L -= 1.25 if "no-change" in effects else 0.0
    L += 0.35 * min(1.0, benefit)
    L += 0.25 if r.skin_type in p.suits else -0.3
    if r.skin_type == "oily" and s["rich"] >= 0.9:
        L -= 0.4  # "too greasy"
    if r.skin_type == "dry" and p.cat in ("cleanser", "toner") and s["irr"].get("sulfates", 0) + s["irr"].get("alcohol", 0) > 0.8:
        L -= 0.4  # "stripping"
    if white_cast(p, r):
        L -= 1.0  # a zinc sunscreen that leaves a grey film on deeper skin tones
    L += rng.gauss(0.0, 0.75)
    return effects, L, best


# ---------------------------------------------------------------------------------------------
# Review texts: phrase templates written for this data set.
# ---------------------------------------------------------------------------------------------

AREAS = ["chin", "jawline", "forehead", "cheeks", "nose", "T-zone", "temples", "upper lip"]
TIMES = ["a week", "two weeks", "three weeks", "a month", "about ten days", "six weeks", "a couple of weeks", "five days",
         "two months", "one bottle"]

IMPROVED_BY_CONCERN = {
    "acne": ["cleared my {area} breakouts in {time}", "my breakouts calmed down after {time}", "fewer new spots since I started using it",
             "my skin is the clearest it has been in ages", "the hormonal bumps on my {area} finally cleared up",
             "blemishes heal so much faster now", "my acne is way under control", "no new pimples on my {area} for {time}"],
    "aging": ["the fine lines around my eyes look softer", "my skin looks firmer and smoother after {time}",
              "the lines on my forehead are less deep", "my skin looks more rested and less crepey", "it softened my smile lines",
              "my crow's feet are noticeably softer", "my skin looks bouncier and younger"],
    "dark-circles": ["my dark circles look lighter", "the shadows under my eyes are less obvious", "my under-eyes look brighter every morning",
                     "I need less concealer under my eyes now"],
    "dryness": ["my dry patches are gone", "no more flaky skin around my nose", "it fixed the rough dry spots on my {area}",
                "my skin stopped feeling tight and flaky", "the flakes on my {area} disappeared"],
    "dullness": ["my skin looks brighter and more awake", "I get compliments on my glow now", "my complexion looks so much fresher",
                 "it brought my dull skin back to life", "my skin has a real glow after {time}"],
    "hyperpigmentation": ["my dark spots have faded noticeably", "old acne marks are finally fading", "my skin tone looks much more even",
                          "the sun spots on my {area} are lighter after {time}", "it faded the marks on my {area}",
                          "the patches on my {area} are fading slowly but surely"],
    "oiliness": ["I am way less shiny by midday", "it really keeps my oil under control", "my {area} no longer looks greasy by noon",
                 "shine is way down and makeup lasts longer", "I barely need blotting papers anymore"],
    "pores": ["my pores look smaller", "the pores on my nose look so much cleaner", "blackheads on my nose are way down",
              "my pores look refined, especially on my {area}", "it keeps my pores clear"],
    "puffiness": ["my morning puffiness goes down fast", "it depuffs my eyes in minutes", "the bags under my eyes look less swollen",
                  "my puffy eyes calm down within minutes"],
    "redness": ["my redness calmed down a lot", "my cheeks are far less red", "it calms my flushing", "it took the angry redness right down",
                "my rosy patches have settled down"],
    "texture": ["my skin feels smooth as glass", "the bumpy texture on my {area} is gone", "my skin is so much smoother after {time}",
                "rough texture is basically gone", "the little bumps on my {area} smoothed out"],
    "dehydration": ["my skin finally feels hydrated", "the tight dehydrated feeling is gone", "my skin drinks it up and feels bouncy",
                    "my makeup no longer clings to dry bits"],
}
IMPROVED_GENERIC = ["my skin looks better than it has in months", "noticeable improvement after {time}", "it really made a difference to my skin",
                    "visible results in {time}", "my skin has never looked this good", "I saw a real improvement within {time}",
                    "it actually works, my skin looks healthier", "my skin looks calmer and clearer overall", "big improvement in my skin"]
BREAKOUT = ["it broke me out along my {area} within days", "it gave me tiny bumps all over my {area}", "it clogged my pores and I got cystic spots",
            "I broke out badly after {time}", "it caused closed comedones on my {area}", "my {area} erupted in whiteheads",
            "way too heavy for me, I got new breakouts", "it broke me out, I had to stop using it", "instant clogged pores for me",
            "it gave me the worst breakout I have had in years", "little pimples popped up everywhere it touched",
            "I got clogged pores and blackheads on my {area}", "my skin broke out in small red bumps"]
IRRITATION = ["my cheeks stung as soon as I put it on", "it burned and left my skin red", "it made my face itchy and blotchy",
              "it left a rash on my {area}", "it stings every time I apply it", "my skin got red and irritated", "too harsh, my skin felt raw",
              "instant redness and a burning feeling", "my face was hot and itchy for an hour", "it irritated my skin so much I had to wash it off",
              "it left me with dry, peeling, irritated patches", "my sensitive skin reacted with red itchy patches"]
IRRITATION_MILD = ["it tingles a bit on my cheeks at first", "slight stinging when I apply it, but it settles", "it made my skin a little pink the first few nights",
                   "it stings a little around my nose"]
BREAKOUT_MILD = ["it gave me a couple of small bumps at first", "I got a few clogged pores on my {area}", "a few tiny whiteheads popped up on my {area}"]
IRRITATION_EYE = ["it made my eyes water and sting", "my eyelids got red and itchy", "it stung my eyes every morning"]
PURGING = ["purged for a week then cleared", "my skin purged at first, which I expected", "I went through a rough purge the first two weeks",
           "there was a purging phase around my {area}", "expect some purging in the first weeks", "it made me purge a bit at the start",
           "still purging after {time}, hoping it settles"]
PURGE_IMPROVED = ["purged for a week then cleared up beautifully", "after a short purge my skin is smoother than ever",
                  "push through the purging, my skin is clearer now", "two weeks of purging and then my skin turned around",
                  "it purged my {area} at first but now it is clear"]
HYDRATION = ["skin feels plump and hydrated all day", "super hydrating without feeling heavy", "it keeps my skin moisturized through the night",
             "my face feels bouncy and dewy in the morning", "no more tightness, my skin feels soft and plump", "skin feels plump",
             "so moisturizing, my skin stays comfortable all day", "it sinks in and leaves my skin soft and hydrated",
             "my skin drinks it up and stays hydrated", "my skin feels nourished and soft", "deeply hydrating, my skin feels like velvet"]
HYDRATION_CLEANSER = ["it leaves my skin soft and never tight", "it cleans well without stripping my skin",
                      "my face feels hydrated, not squeaky, after washing", "no tight feeling after rinsing"]
HYDRATION_LIP = ["my lips stay soft and hydrated all night", "it healed my chapped lips", "my lips feel plump and smooth"]
NO_CHANGE = ["didn't notice any difference after {time}", "not bad, but it did nothing for my {concern}", "I saw no change at all",
             "nice to use but no real results", "used the whole bottle and my skin looks the same", "it didn't do much for me",
             "no difference to my {concern} whatsoever", "pleasant enough, just no visible results", "my {concern} looks exactly the same",
             "honestly can't tell if it does anything"]
CONCERN_WORDS = {"acne": "breakouts", "aging": "fine lines", "dark-circles": "dark circles", "dryness": "dry patches", "dullness": "dull skin",
                 "hyperpigmentation": "dark spots", "oiliness": "oily skin", "pores": "pores", "puffiness": "puffy eyes",
                 "redness": "redness", "texture": "texture", "dehydration": "dehydrated skin"}
OPENERS = ["", "", "", "", "", "", "Honestly, ", "Update: ", "Two weeks in: ", "Quick review: ", "Long story short, ", "{Type} skin here: ",
           "Verdict after {time}: ", "Not gonna lie, ", "So far so good: ", "Three bottles in: ", "Okay, ", "Sadly, ", "Wow, "]
OPENER_MOOD = {"So far so good: ": "pos", "Sadly, ": "neg", "Wow, ": "pos", "Three bottles in: ": "pos"}
POS_EXTRA = ["A little goes a long way.", "The texture is lovely and it layers well under makeup.", "Will repurchase.", "Worth every penny.",
             "Already on my second bottle.", "Absorbs fast and never pills.", "It is now a staple in my routine.", "My whole family uses it now.",
             "Love the packaging too.", "Holy grail status for me.", "No complaints at all.", "Gentle enough for daily use.",
             "I use it morning and night.", "Highly recommend.", "Ten out of ten.", "My partner keeps stealing it."]
MIXED_EXTRA = ["The texture is fine but the price is steep.", "It is okay, just not amazing.", "Might work better for other skin types.",
               "The pump is a bit finicky.", "I will finish it but probably not repurchase.", "Decent, not life changing.",
               "Takes a while to absorb.", "The jar packaging is not very hygienic.", "Fine, but I expected more."]
NEG_EXTRA = ["Returned it.", "Would not recommend.", "Such a disappointment for the price.", "Gave it away after a few uses.",
             "Not for me at all.", "Really wanted to love it.", "Back to my old routine.", "Save your money."]
CAT_POS = {
    "cleanser": ["Takes off sunscreen easily.", "Rinses clean without residue.", "A small amount lathers nicely."],
    "sunscreen": ["Sits nicely under makeup.", "No white cast at all.", "Finally a sunscreen I actually want to wear."],
    "serum": ["Absorbs in seconds.", "Layers well under moisturizer.", "The dropper makes it easy to use."],
    "moisturizer": ["Sinks in fast.", "Perfect under makeup.", "One jar lasts me months."],
    "eye-care": ["The tube lasts forever.", "It does not migrate into my eyes."],
    "mask": ["I use it twice a week.", "Rinses off easily.", "Feels like a spa night at home."],
    "exfoliant": ["I use it every other night.", "Gentle for an acid."],
    "toner": ["I pat it in with my hands.", "Cotton pad or hands, both work."],
    "treatment": ["Works overnight on fresh spots.", "I dab it on at night only."],
    "face-oil": ["Absorbs better than I expected for an oil.", "Three drops are enough."],
    "lip-care": ["I keep one in every bag.", "Not sticky at all."],
    "mist": ["Refreshing over makeup.", "Fine mist, does not drip."],
}
CAT_NEG = {
    "sunscreen": ["It pilled under my makeup.", "Way too greasy for daily wear."],
    "moisturizer": ["Feels sticky for ages.", "Pills under sunscreen."],
    "serum": ["Feels tacky on the skin.", "The dropper broke within a week."],
    "cleanser": ["It left a film on my face.", "Doesn't remove makeup well."],
    "mask": ["Dries way too tight.", "Hard to rinse off."],
}
WHITE_CAST = ["It leaves a grey white cast on my {tone} skin.", "The white cast on my {tone} skin is too much.",
              "Looks ashy on my {tone} skin no matter how I rub it in."]
SCENT_POS = ["The scent is lovely.", "Smells like a spa.", "The light scent is a bonus.", "It smells amazing."]
SCENT_NEG = ["The fragrance is way too strong.", "The smell gave me a headache.", "Wish it came without the perfume.",
             "The perfume is overpowering."]
UNSCENTED = ["No scent at all, which I love.", "Fragrance free and gentle.", "No perfume, which my skin appreciates."]
GREASY = ["Far too greasy on my oily skin.", "Sits on top of my skin like a film.", "Way too rich for me."]
PRICE_GOOD = ["Great value for the price.", "Cheap and it works.", "Affordable and effective.", "Can't beat it for the price."]
PRICE_BAD = ["Way overpriced for what it is.", "Too expensive for such a small jar.", "Not worth the luxury price."]
NO_CHANGE_BUT = ["Nice texture though.", "Still pleasant to use.", "It feels nice, at least.", "Fine as a basic step.",
                 "Lovely to apply, just no results.", "I like the feel of it anyway."]
NO_EFFECT_POS = ["Nice texture and it sinks in fast.", "A solid everyday product.", "Does what it says, nothing more.", "Pleasant to use every day.",
                 "Feels nice on the skin and plays well with makeup.", "Lovely texture and a nice routine step.", "Simple and reliable.",
                 "Really nice to apply.", "A lovely little luxury in my routine.", "Easy to use and travels well.", "Feels fresh and light.",
                 "Exactly what I wanted from it.", "My go-to for busy mornings.", "Love how it feels going on."]
NO_EFFECT_NEG = ["Not worth it.", "Did not like the texture at all.", "Pilled under everything I put on top.", "Felt sticky and never absorbed.",
                 "The packaging leaked everywhere.", "The texture is strange and gloopy.", "It smelled off from the first use.",
                 "Half the product was stuck in the pump."]


def fill(rng, s, r, best):
    concern = CONCERN_WORDS.get(best or (r.concerns[0] if r.concerns else ""), "skin")
    return s.format(area=rng.choice(AREAS), time=rng.choice(TIMES), type=r.skin_type, Type=r.skin_type.capitalize(),
                    concern=concern, tone=r.skin_tone.replace("-", " "))


def sentence(s):
    s = s.strip()
    if not s:
        return s
    s = s[0].upper() + s[1:]
    if s[-1] not in ".!?":
        s += "."
    return s


def effect_phrase(rng, eff, r, p, best, rating):
    if eff == "improved":
        if best and best in IMPROVED_BY_CONCERN and p.sig["eff"].get(best, 0) >= 0.3 and rng.random() < 0.8:
            return fill(rng, rng.choice(IMPROVED_BY_CONCERN[best]), r, best)
        return fill(rng, rng.choice(IMPROVED_GENERIC), r, best)
    if eff == "breakout":
        return fill(rng, rng.choice(BREAKOUT_MILD if rating >= 4 else BREAKOUT), r, best)
    if eff == "irritation":
        pool = IRRITATION_EYE if p.cat == "eye-care" and rng.random() < 0.6 else IRRITATION_MILD if rating >= 4 else IRRITATION
        return fill(rng, rng.choice(pool), r, best)
    if eff == "purging":
        return fill(rng, rng.choice(PURGING), r, best)
    if eff == "hydration":
        pool = HYDRATION_CLEANSER if p.cat == "cleanser" else HYDRATION_LIP if p.cat == "lip-care" else HYDRATION
        return fill(rng, rng.choice(pool), r, best)
    if eff == "no-change":
        return fill(rng, rng.choice(NO_CHANGE), r, best)
    return ""


def review_text(rng, r, p, effects, rating, best):
    """One or two short sentences: the reported effects first, then maybe one remark."""
    clauses = []
    fx = list(effects)
    if "purging" in fx and "improved" in fx:
        clauses.append(fill(rng, rng.choice(PURGE_IMPROVED), r, best))
        fx = [e for e in fx if e not in ("purging", "improved")]
    for e in fx:
        clauses.append(effect_phrase(rng, e, r, p, best, rating))
    mood = "pos" if rating >= 4 else "neg" if rating <= 2 else "mixed"
    # two effects are joined into one sentence
    if len(clauses) == 2:
        joiner = " and " if (mood != "mixed" and rng.random() < 0.6) else ", but " if mood == "mixed" else "; "
        if set(effects) <= {"improved", "hydration"} or set(effects) <= {"breakout", "irritation"}:
            joiner = rng.choice([" and ", ", and ", "; "])
        else:
            joiner = rng.choice([", but ", "; "])
        clauses = [clauses[0] + joiner + clauses[1]]
    extra = None
    has_frag = bool(set(getattr(p, "all_ingredients", p.ingredients)) & (FRAGRANCE | ESSENTIAL))
    roll = rng.random()
    if white_cast(p, r) and rng.random() < 0.7:
        extra = fill(rng, rng.choice(WHITE_CAST), r, best)
    elif r.skin_type == "oily" and p.sig["rich"] >= 0.9 and rating <= 3 and roll < 0.5:
        extra = rng.choice(GREASY)
    elif roll < 0.15:
        if has_frag:
            extra = rng.choice(SCENT_POS if rating >= 4 else SCENT_NEG)
        elif rating >= 3:
            extra = rng.choice(UNSCENTED)
    elif roll < 0.25:
        if p.price < 20 and rating >= 4:
            extra = rng.choice(PRICE_GOOD)
        elif p.price > 70 and rating <= 3:
            extra = rng.choice(PRICE_BAD)
    elif roll < 0.45:
        if mood == "pos" and p.cat in CAT_POS:
            extra = rng.choice(CAT_POS[p.cat])
        elif mood != "pos" and p.cat in CAT_NEG:
            extra = rng.choice(CAT_NEG[p.cat])
    had_effects = bool(clauses)
    if not clauses:  # nothing to report: a remark on texture or use
        pool = NO_EFFECT_POS if mood == "pos" else NO_EFFECT_NEG if mood == "neg" else MIXED_EXTRA
        if rng.random() < 0.4:
            pool = pool + (CAT_POS.get(p.cat, []) if mood == "pos" else CAT_NEG.get(p.cat, []))
        first = rng.choice(pool)
        clauses = [first]
        if extra == first:
            extra = None
    if extra is None and rng.random() < 0.7:
        pool = POS_EXTRA if mood == "pos" else NEG_EXTRA if mood == "neg" else MIXED_EXTRA
        if "no-change" in effects and mood == "pos":
            pool = NO_CHANGE_BUT
        extra = rng.choice(pool)
        if extra == clauses[0]:
            extra = None
    if had_effects:
        opener = rng.choice(OPENERS)
        if opener and OPENER_MOOD.get(opener, mood) == mood:
            clauses[0] = fill(rng, opener, r, best) + clauses[0]
    parts = [sentence(c) for c in clauses]
    if extra:
        parts.append(sentence(extra))
    text = " ".join(parts[:2])
    if rating == 5 and rng.random() < 0.15 and text.endswith("."):
        text = text[:-1] + "!"
    return text


def generate_reviews(rng, products, reviewers):
    popularity(rng, products)
    by_id = {}
    rows = []
    for r in reviewers:
        window_end = min(END, r.join + datetime.timedelta(days=rng.randint(120, 540)))
        cands = [p for p in products if p.launch <= window_end - datetime.timedelta(days=14)]
        weights = [choice_weight(r, p) for p in cands]
        chosen = sample_without_replacement(rng, cands, weights, r.n_reviews)
        for p in chosen:
            lo = max(r.join, p.launch)
            span = (window_end - lo).total_seconds()
            at = lo + datetime.timedelta(seconds=int(rng.random() * span))
            at = at.replace(hour=rng.choice([7, 8, 9, 10, 12, 13, 15, 17, 19, 20, 21, 22, 23]), minute=rng.randint(0, 59),
                            second=rng.randint(0, 59))
            if at > END:
                at = END
            days_in = (at - lo).days
            effects, L, best = outcome(rng, r, p, days_in)
            rows.append(dict(r=r, p=p, at=at, effects=effects, L=L, best=best))
    # cut the latent score into stars at fixed shares
    Ls = sorted(x["L"] for x in rows)
    cuts = []
    acc = 0.0
    for share in STAR_SHARES[:-1]:
        acc += share
        cuts.append(Ls[min(len(Ls) - 1, int(acc * len(Ls)))])
    for x in rows:
        star = 1
        for c in cuts:
            if x["L"] >= c:
                star += 1
        x["rating"] = star
    rows.sort(key=lambda x: (x["at"], x["r"].id, x["p"].id))
    out = []
    rec_p = {5: 0.995, 4: 0.95, 3: 0.38, 2: 0.06, 1: 0.01}
    for i, x in enumerate(rows):
        r, p = x["r"], x["p"]
        rating = x["rating"]
        text = review_text(rng, r, p, x["effects"], rating, x["best"])
        out.append({
            "id": "demo-r-%06d" % (i + 1),
            "reviewer": r.id,
            "product_id": p.id,
            "rating": rating,
            "recommended": rng.random() < rec_p[rating],
            "at": x["at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "skin_type": r.skin_type,
            "skin_tone": r.skin_tone,
            "concerns": list(r.concerns),
            "effects": list(x["effects"]),
            "text": text,
        })
    return out


def product_row(p):
    return {
        "id": p.id,
        "name": p.name,
        "brand": p.brand["name"],
        "category": p.cat,
        "subcategory": p.sub,
        "price": p.price,
        "size": p.size,
        "ingredients": p.label,
        "claims": p.claims,
        "suits": p.suits,
        "highlights": p.highlights,
    }


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")


def main():
    rng = random.Random(SEED)
    products = generate_products(rng)
    reviewers = generate_reviewers(rng)
    reviews = generate_reviews(rng, products, reviewers)
    products.sort(key=lambda p: p.id)
    write_jsonl(os.path.join(HERE, "products.jsonl"), [product_row(p) for p in products])
    write_jsonl(os.path.join(HERE, "reviews.jsonl"), reviews)
    print("wrote %d products and %d reviews by %d reviewers" % (len(products), len(reviews), len({x["reviewer"] for x in reviews})))


if __name__ == "__main__":
    main()
