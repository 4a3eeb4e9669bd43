"""The fixed words of the statistics outputs, in Spanish and English.

Question and category names come from the questionnaire; these are the
rest: headings, captions and the methods note.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "Ataques contra personas defensoras de derechos humanos: estadísticas",
        "cases": "Casos",
        "total": "Total de casos contados",
        "no_answer": "Sin respuesta",
        "suppressed_short": "oculto",
        "suppressed": "— : oculto para proteger a las personas (menos de {k} casos, o permitiría deducir una celda oculta)",
        "source": "Fuente",
        "default_source": "reportes recibidos y revisados por la organización, con consentimiento para estadísticas",
        "method": "Método",
        "method_k": "celdas de 1 a {k_minus} casos ocultas, y otras ocultas para que ninguna se pueda deducir (k = {k})",
        "method_eps": "ruido de privacidad diferencial, ε = {epsilon}",
        "epsilon_table": "ε de esta tabla: {epsilon}",
        "epsilon_total": "ε total de la publicación: {epsilon}",
        "multi_note": "Un caso puede contar en varias filas.",
        "by": "según",
        "methods": "Métodos",
        "methods_text": (
            "Solo se cuentan los reportes cuyos autores aceptaron el uso anónimo de sus respuestas de opción "
            "en estadísticas públicas. Nunca se usan textos libres, nombres ni archivos; las fechas se reducen "
            "al mes. Cada caso cuenta una vez por tabla (en las preguntas de opción múltiple, una vez por "
            "opción marcada). Las celdas con 1 a {k_minus} casos se ocultan; además se ocultan otras celdas "
            "para que ninguna oculta se pueda calcular a partir de los totales o de las otras tablas: para "
            "cada celda oculta se verificó, resolviendo un programa lineal con todas las cifras publicadas, "
            "que su valor puede estar en un intervalo de al menos {k} casos."
        ),
        "dp_text": (
            "Además, a cada cifra se le sumó ruido aleatorio (mecanismo de Laplace de OpenDP) con privacidad "
            "diferencial: la publicación completa gasta ε = {epsilon}. En palabras simples: lo publicado "
            "cambiaría muy poco si cualquier caso se añadiera o se quitara, de modo que nadie puede saber si "
            "un caso concreto está incluido. Un ε menor protege más y da cifras menos exactas; por eso las "
            "cifras no suman exactamente los totales."
        ),
    },
    "en": {
        "title": "Attacks on human rights defenders: statistics",
        "cases": "Cases",
        "total": "Cases counted",
        "no_answer": "No answer",
        "suppressed_short": "hidden",
        "suppressed": "— : hidden to protect people (fewer than {k} cases, or it would reveal a hidden cell)",
        "source": "Source",
        "default_source": "reports received and reviewed by the organisation, with consent to statistics",
        "method": "Method",
        "method_k": "cells of 1 to {k_minus} cases hidden, and others hidden so that none can be worked out (k = {k})",
        "method_eps": "differential privacy noise, ε = {epsilon}",
        "epsilon_table": "ε of this table: {epsilon}",
        "epsilon_total": "total ε of this publication: {epsilon}",
        "multi_note": "A case can count in several rows.",
        "by": "by",
        "methods": "Methods",
        "methods_text": (
            "Only reports whose authors agreed to the anonymous use of their coded answers in public "
            "statistics are counted. Free text, names and files are never used; dates are cut to the month. "
            "Each case counts once per table (in multiple-choice questions, once per option ticked). Cells "
            "of 1 to {k_minus} cases are hidden, and further cells are hidden so that no hidden cell can be "
            "worked out from the totals or from the other tables: for every hidden cell, a linear program "
            "over all the published figures confirmed that its value could lie anywhere in a range at least "
            "{k} cases wide."
        ),
        "dp_text": (
            "In addition, random noise was added to every figure (OpenDP's Laplace mechanism) with "
            "differential privacy: the whole publication spends ε = {epsilon}. In plain words: what is "
            "published would change very little if any one case were added or removed, so nobody can tell "
            "whether a particular case is included. A smaller ε protects more and gives less exact figures; "
            "this is why the figures do not add up exactly to the totals."
        ),
    },
}
