"""Spanish translations of Resguardo's interface, applied to messages.po.

Run ``python tools/update_translations.py`` after changing any marked
string: it extracts, merges, fills from this table and compiles. Keeping the
table in code lets a test check that every message has a translation.
"""

ES = {
    "The request could not be understood": "No se pudo entender la solicitud",
    "Nothing was saved. Please go back and try again.": "No se guardó nada. Vuelva atrás e inténtelo de nuevo.",
    "Not allowed": "No permitido",
    "This page cannot be used this way.": "Esta página no se puede usar de esta manera.",
    "Page not found": "Página no encontrada",
    "Check the address, or go back to the report form.": "Revise la dirección o vuelva al formulario de denuncia.",
    "Too much data": "Demasiados datos",
    "What you sent is larger than this site accepts (%(limit)s in total). Nothing was saved. Please send fewer or smaller files, or send them in several reports.":
        "Lo que envió supera lo que este sitio acepta (%(limit)s en total). No se guardó nada. Envíe menos archivos o archivos más pequeños, o repártalos en varias denuncias.",
    "Too many requests": "Demasiadas solicitudes",
    "Please wait a moment and try again.": "Espere un momento e inténtelo de nuevo.",
    "Please wait a moment": "Espere un momento",
    "Your report is being stored right now. Please wait a moment.": "Su denuncia se está guardando en este momento. Espere un momento.",
    "Please try again later": "Inténtelo de nuevo más tarde",
    "This site cannot accept new reports or files at the moment. Nothing was saved. Please try again in an hour or later; reports already received are safe.":
        "Este sitio no puede aceptar nuevas denuncias ni archivos en este momento. No se guardó nada. Inténtelo de nuevo dentro de una hora o más tarde; las denuncias ya recibidas están a salvo.",
    "Something went wrong on our side": "Algo falló de nuestro lado",
    "Nothing was saved. Please try again later.": "No se guardó nada. Inténtelo de nuevo más tarde.",
    "Your session expired": "Su sesión expiró",
    "Please go back and try again.": "Vuelva atrás e inténtelo de nuevo.",
    "The connection was too slow": "La conexión fue demasiado lenta",
    "What you sent arrived too slowly or stopped arriving. Nothing was saved. Please try again, if you can on a better connection.":
        "Lo que envió llegó demasiado despacio o dejó de llegar. No se guardó nada. Inténtelo de nuevo, si puede con una conexión mejor.",
    "The address is too long": "La dirección es demasiado larga",
    "This page does not take this kind of data. Nothing was saved. Please go back and try again.":
        "Esta página no acepta este tipo de datos. No se guardó nada. Vuelva atrás e inténtelo de nuevo.",
    "The site is busy": "El sitio está ocupado",
    "Many people are sending reports right now. Nothing was saved. Please wait a minute and send again.":
        "Muchas personas están enviando denuncias en este momento. No se guardó nada. Espere un minuto y vuelva a enviar.",
    "For your protection, this form only works within one browser session, and this browser does not keep what you typed once you leave the page. Nothing was saved. Open the form again, write your report and choose your files again.":
        "Por su protección, este formulario solo funciona dentro de una misma sesión del navegador, y el navegador no guarda lo que escribió una vez que sale de la página. No se guardó nada. Abra de nuevo el formulario, escriba su denuncia y elija otra vez sus archivos.",
    "Choose a region (optional)": "Elija una región (opcional)",
    "Please tell us what happened.": "Cuéntenos qué pasó.",
    "Please send at most %(count)d files at once.": "Envíe como máximo %(count)d archivos a la vez.",
    "Report an incident safely": "Denuncie un incidente de forma segura",
    "Skip to the form": "Ir al formulario",
    "Language": "Idioma",
    "This site keeps no record of who you are: no IP address, no browser details, no time of day.":
        "Este sitio no guarda ningún registro de quién es usted: ni dirección IP, ni datos del navegador, ni la hora.",
    "Error %(code)s": "Error %(code)s",
    "Back to the report form": "Volver al formulario de denuncia",
    "Tell us about a threat, attack or harassment against you or other human rights defenders. You do not need an account and you do not need to give your name.":
        "Cuéntenos sobre una amenaza, agresión u hostigamiento contra usted u otras personas defensoras de derechos humanos. No necesita una cuenta ni dar su nombre.",
    "Demonstration installation.": "Instalación de demostración.",
    "This site encrypts to a demo key. Do not send real reports here.":
        "Este sitio cifra con una clave de demostración. No envíe denuncias reales aquí.",
    "Please check the form": "Revise el formulario",
    "Nothing was saved yet. For your safety, files are not kept when the form has a problem: please choose them again.":
        "Todavía no se guardó nada. Por su seguridad, los archivos no se conservan cuando el formulario tiene un problema: elíjalos de nuevo.",
    "required": "obligatorio",
    "Photos and documents can contain hidden details (location, device, author). They reach the reviewers exactly as sent.":
        "Las fotos y documentos pueden contener datos ocultos (ubicación, dispositivo, autor). Llegan a las personas revisoras tal como se envían.",
    "Your report and files will be encrypted by this site the moment they arrive, before anything is stored.":
        "Este sitio cifrará su denuncia y sus archivos en el momento en que lleguen, antes de guardar nada.",
    "Send report": "Enviar denuncia",
    "Who can read your report": "Quién puede leer su denuncia",
    "Your report is also protected against future quantum computers: a copy taken today cannot be opened with one years from now.": (
        "Su denuncia también está protegida frente a los futuros ordenadores cuánticos: "
        "una copia tomada hoy no podrá abrirse con uno dentro de años."),
    "At least one of these keys is of an older kind: a copy of your report taken today might be opened years from now with a quantum computer. Everything else about its protection is the same.": (
        "Al menos una de estas claves es de un tipo más antiguo: una copia de su denuncia tomada hoy "
        "podría abrirse dentro de años con un ordenador cuántico. El resto de su protección es igual."),
    ("Reports are encrypted to %(num)d reviewer key. Its fingerprint is:",
     "Reports are encrypted to %(num)d reviewer keys. Their fingerprints are:"): (
        "Las denuncias se cifran para %(num)d clave de revisión. Su código de comprobación (para verificar la clave) es:",
        "Las denuncias se cifran para %(num)d claves de revisión. Sus códigos de comprobación (para verificar las claves) son:",
    ),
    "The organisation publishes these fingerprints elsewhere too, so you can check they match.":
        "La organización también publica estos códigos en otros lugares, para que pueda comprobar que coinciden.",
    "Report received": "Denuncia recibida",
    "Your report was received": "Recibimos su denuncia",
    "It was encrypted as it arrived and stored safely. Only the reviewers of the organisation can open it, on a computer that is not connected to the internet.":
        "Se cifró al llegar y se guardó de forma segura. Solo las personas revisoras de la organización pueden abrirla, en una computadora que no está conectada a internet.",
    "Thank you. What you shared helps document attacks against human rights defenders.":
        "Gracias. Lo que compartió ayuda a documentar los ataques contra personas defensoras de derechos humanos.",
    "To stay safe": "Para mantenerse a salvo",
    "Close this browser window when you are done.": "Cierre esta ventana del navegador cuando termine.",
    "If someone else uses this device, do not leave copies of your files or notes on it.":
        "Si otra persona usa este dispositivo, no deje en él copias de sus archivos ni notas.",
    "If you are in immediate danger, contact a trusted organisation or person near you.":
        "Si está en peligro inmediato, comuníquese con una organización o persona de confianza cercana.",
    "Send another report": "Enviar otra denuncia",
    # Browser sealing (intake/upload/, templates/report/form.html, static/js/form.js)
    "Your report and files are encrypted in your browser, before they leave this device: the site only ever receives encrypted data.":
        "Su denuncia y sus archivos se cifran en su navegador antes de salir de este dispositivo: el sitio solo recibe datos cifrados.",
    "Cancel": "Cancelar",
    "Your report was not sent": "Su denuncia no se envió",
    "Nothing was stored. You can try again, or let this site encrypt your report the moment it arrives, as it does when JavaScript is off.":
        "No se guardó nada. Puede intentarlo de nuevo, o dejar que este sitio cifre su denuncia en el momento en que llegue, como hace cuando JavaScript está desactivado.",
    "Send it to be encrypted by the site instead": "Enviarla para que la cifre el sitio",
    "Preparing encryption in your browser…": "Preparando el cifrado en su navegador…",
    "Encrypting and sending file %(number)s of %(total)s…": "Cifrando y enviando el archivo %(number)s de %(total)s…",
    "Encrypting and sending your report…": "Cifrando y enviando su denuncia…",
    "Storing your report…": "Guardando su denuncia…",
    "Cancelled. Nothing was stored; you can change the form and send it again.":
        "Cancelado. No se guardó nada; puede cambiar el formulario y enviarlo de nuevo.",
    "Encryption in your browser does not work on this device.": "El cifrado en su navegador no funciona en este dispositivo.",
    "The reviewer keys in this page do not match their fingerprints, so your browser will not encrypt to them.":
        "Las claves de las personas revisoras de esta página no coinciden con sus códigos de comprobación, así que su navegador no cifrará para ellas.",
    "The connection to the site was lost and could not be restored.": "Se perdió la conexión con el sitio y no se pudo restablecer.",
    "Your files are larger than this site accepts in one report. Please send fewer or smaller files, or send them in several reports.":
        "Sus archivos superan lo que este sitio acepta en una denuncia. Envíe menos archivos o archivos más pequeños, o repártalos en varias denuncias.",
    "The encrypted upload was refused": "Se rechazó el envío cifrado",
    "What your browser sent is not an envelope for this site's reviewers. Nothing was stored.":
        "Lo que envió su navegador no es un sobre cifrado para las personas revisoras de este sitio. No se guardó nada.",
    "The reviewer keys of this site changed while you were writing. Nothing was stored. Please copy your text, reload the page and send it again.":
        "Las claves de las personas revisoras cambiaron mientras usted escribía. No se guardó nada. Copie su texto, vuelva a cargar la página y envíelo de nuevo.",
    "Part of what your browser sent was not encrypted, so it was refused. Nothing was stored.":
        "Parte de lo que envió su navegador no estaba cifrado y por eso se rechazó. No se guardó nada.",
    "A file did not arrive completely. Nothing was stored. Please try again.":
        "Un archivo no llegó completo. No se guardó nada. Inténtelo de nuevo.",
    "This upload is not part of your browser session. Nothing was stored. Please reload the page and try again.":
        "Este envío no pertenece a su sesión del navegador. No se guardó nada. Vuelva a cargar la página e inténtelo de nuevo.",
    "Part of a file was sent twice; your browser continues where it stopped.":
        "Una parte de un archivo se envió dos veces; su navegador continúa donde se detuvo.",
    "Another report from this page was being stored at the same moment, so nothing of this one was stored yet. Your browser tries again by itself.":
        "Otra denuncia de esta página se estaba guardando en el mismo momento, así que todavía no se guardó nada de esta. Su navegador lo intenta de nuevo por sí solo.",
    "This form page has sent a report already (perhaps from another tab), or it is some hours old, so it cannot send this one. Nothing of this report was stored. Please reload the page and send it again.":
        "Esta página del formulario ya envió una denuncia (quizá desde otra pestaña), o tiene algunas horas, así que no puede enviar esta. No se guardó nada de esta denuncia. Vuelva a cargar la página y envíela de nuevo.",
    "Your report will be encrypted by this site the moment it arrives, before anything is stored, as when JavaScript is off. The button at the end of the form sends it that way.":
        "Su denuncia será cifrada por este sitio en el momento en que llegue, antes de guardar nada, como cuando JavaScript está desactivado. El botón al final del formulario la envía de esa manera.",
    "Please check these fields": "Revise estos campos",
    "Nothing was sent yet.": "Todavía no se envió nada.",
    "You can send up to %(count)d files, %(size)s in total.": "Puede enviar hasta %(count)d archivos, con un total de %(size)s.",
    "Nothing was stored. Please check your connection and try again.":
        "No se guardó nada. Revise su conexión e inténtelo de nuevo.",
    "Connection lost. Reconnecting…": "Se perdió la conexión. Reconectando…",
    "The connection was interrupted. Trying again…": "La conexión se interrumpió. Intentando de nuevo…",
    "We could not confirm that your report arrived": "No pudimos confirmar que su denuncia llegó",
    "The connection was lost while your report was being stored, so this page cannot tell whether it arrived. Please press “Send report” again when you are connected: if it already arrived, sending again will not create a duplicate.":
        "Se perdió la conexión mientras se guardaba su denuncia, así que esta página no puede saber si llegó. Cuando tenga conexión, pulse de nuevo «Enviar denuncia»: si ya llegó, enviarla otra vez no creará un duplicado.",
    "For your protection, this form only works within one browser session, and this session has expired. If it is safe to do so, copy your text to a safe place on this device only, then reload this page, paste your text back in and choose your files again.":
        "Por su protección, este formulario solo funciona dentro de una misma sesión del navegador, y esta sesión expiró. Si es seguro hacerlo, copie su texto a un lugar seguro solo en este dispositivo; luego vuelva a cargar esta página, pegue su texto y elija otra vez sus archivos.",
    "Your report was not stored.": "Su denuncia no se guardó.",
    "Encryption in your browser is not available on this device.": "El cifrado en su navegador no está disponible en este dispositivo.",
    "Send report, encrypted by the site": "Enviar denuncia para que la cifre el sitio",
    "Please answer this question.": "Responda esta pregunta.",
    "Choose one": "Elija una opción",
    "Year": "Año",
    "Month": "Mes",
    "Day": "Día",
    "January": "enero", "February": "febrero", "March": "marzo", "April": "abril",
    "May": "mayo", "June": "junio", "July": "julio", "August": "agosto",
    "September": "septiembre", "October": "octubre", "November": "noviembre", "December": "diciembre",
    "Please choose the year (and the month for a day).": "Elija el año (y el mes, si indica un día).",
    "This day does not exist in that month.": "Ese día no existe en ese mes.",
}

try:  # run as a script (tools/ on sys.path) or imported as tools.translations_es
    from translations_es_checkback import ES_CHECKBACK  # noqa: E402
except ImportError:
    from tools.translations_es_checkback import ES_CHECKBACK  # noqa: E402

ES.update(ES_CHECKBACK)
