"""Spanish (and keyed English) texts of the review tool, applied by update_review_translations.py.

``ES`` maps every English msgid to Spanish. ``EN`` gives English words to the
msgids that are keys rather than sentences (``status:new``, ``warning:html``,
``meta:gps`` …), which templates build from codes.
"""

EN = {
    "status:new": "New",
    "status:in_progress": "In progress",
    "status:closed": "Closed",
    "sort:urgency": "Most urgent first",
    "sort:newest": "Newest first",
    "sort:oldest": "Oldest first",
    "warning:type_mismatch": "the content is not what its device declared: look at the type found in the content",
    "warning:extension_mismatch": "the content is not what its file name suggests: do not open it by double-clicking",
    "warning:html": "an HTML page: a browser opening it could run scripts or contact a website",
    "warning:svg_script": "a drawing (SVG) with a script or link: a browser opening it could run the script",
    "warning:executable": "a program: never run it",
    "warning:script": "a script (a program in text): never run it",
    "warning:desktop_entry": "a .desktop launcher: a file manager could run a command from it",
    "warning:windows_shortcut": "a Windows shortcut (.lnk): it can start a program",
    "warning:office_macros": "an Office document with macros: open it only with macros disabled, or not at all",
    "warning:pdf_javascript": "a PDF with JavaScript or a launch action: open it only in a viewer that runs no scripts",
    "meta:gps": "GPS position or place",
    "meta:device": "Device or software",
    "meta:author": "Author or owner",
    "meta:date": "Date",
    "meta:text": "Title or comment",
    "metadata-error:missing": "The file is missing from the case folder.",
    "metadata-error:failed": "Its metadata could not be read.",
    "metadata-error:timeout": "Reading its metadata took too long.",
    "clean-error:missing": "The attachment is missing from the case folder.",
    "clean-error:unsupported": "Only images and PDFs can be cleaned here. Share this file only after checking it by hand.",
    "clean-error:failed": "The file could not be read (damaged, or not what it claims to be); no copy was made.",
    "clean-error:residue": "Metadata survived the cleaning, so the copy was deleted.",
}

ES = {
    "X-Wing (post-quantum hybrid)": "X-Wing (híbrida poscuántica)",
    "key type:    %(kind)s": "tipo de llave:  %(kind)s",
    "make an older X25519-only key instead of the default X-Wing (post-quantum hybrid) key; only for a site that cannot take X-Wing keys yet":
        "crear una llave antigua solo X25519 en lugar de la llave X-Wing (híbrida poscuántica) por defecto; "
        "solo para un sitio que aún no acepta llaves X-Wing",
    "part of this submission is encrypted to a kind of key this version does not know":
        "parte de este envío está cifrada para un tipo de llave que esta versión no conoce",
    "part of this submission was made so that different reviewers would read different contents; it was not opened":
        "parte de este envío fue hecha para que distintas personas revisoras leyeran contenidos distintos; no se abrió",
    "tell the other reviewers and the operator; ask the operator for a fresh export of this submission; its encrypted copy was kept in the _failed folder":
        "avise a las demás personas revisoras y al operador; pida al operador una nueva exportación de este envío; "
        "su copia cifrada quedó en la carpeta _failed",
    "the encrypted contents of part of this submission are not the ones its sender wrote (someone re-encrypted or replaced them); nothing of it was kept":
        "el contenido cifrado de parte de este envío no es el que escribió quien lo envió (alguien lo volvió a cifrar "
        "o lo reemplazó); no se guardó nada de él",
    "status:new": "Nuevo",
    "status:in_progress": "En curso",
    "status:closed": "Cerrado",
    "sort:urgency": "Más urgentes primero",
    "sort:newest": "Más recientes primero",
    "sort:oldest": "Más antiguos primero",
    "warning:type_mismatch": "el contenido no es lo que declaró su dispositivo: mire el tipo hallado en el contenido",
    "warning:extension_mismatch": "el contenido no es lo que sugiere el nombre del archivo: no lo abra con doble clic",
    "warning:html": "una página HTML: un navegador que la abra podría ejecutar scripts o contactar un sitio web",
    "warning:svg_script": "un dibujo (SVG) con un script o enlace: un navegador que lo abra podría ejecutar el script",
    "warning:executable": "un programa: no lo ejecute nunca",
    "warning:script": "un script (un programa en texto): no lo ejecute nunca",
    "warning:desktop_entry": "un lanzador .desktop: un gestor de archivos podría ejecutar un comando desde él",
    "warning:windows_shortcut": "un acceso directo de Windows (.lnk): puede iniciar un programa",
    "warning:office_macros": "un documento de Office con macros: ábralo solo con las macros desactivadas, o no lo abra",
    "warning:pdf_javascript": "un PDF con JavaScript o una acción de inicio: ábralo solo en un visor que no ejecute scripts",
    "meta:gps": "Posición GPS o lugar",
    "meta:device": "Dispositivo o programa",
    "meta:author": "Autor o propietario",
    "meta:date": "Fecha",
    "meta:text": "Título o comentario",
    "metadata-error:missing": "El archivo no está en la carpeta del caso.",
    "metadata-error:failed": "No se pudieron leer sus metadatos.",
    "metadata-error:timeout": "Leer sus metadatos tardó demasiado.",
    "clean-error:missing": "El adjunto no está en la carpeta del caso.",
    "clean-error:unsupported": "Aquí solo se pueden limpiar imágenes y PDF. Comparta este archivo solo después de revisarlo a mano.",
    "clean-error:failed": "No se pudo leer el archivo (dañado, o no es lo que dice ser); no se hizo ninguna copia.",
    "clean-error:residue": "Quedaron metadatos tras la limpieza, así que la copia se borró.",
    "%(count)s case(s) found": "%(count)s caso(s) encontrados",
    "%(count)s submission(s) could not be imported; see the _failed folder.":
        "%(count)s envío(s) no se pudieron importar; vea la carpeta _failed.",
    "(no answer)": "(sin respuesta)",
    "A cleaned copy was made: cleaned/%(name)s in the case folder. The original is unchanged.":
        "Se hizo una copia limpia: cleaned/%(name)s en la carpeta del caso. El original no cambió.",
    "A cleaned copy was made: followups/%(number)s/cleaned/%(name)s in the case folder. The original is unchanged.":
        "Se hizo una copia limpia: followups/%(number)s/cleaned/%(name)s en la carpeta del caso. El original no cambió.",
    "A value was too long or not allowed. Go back and check the form.":
        "Un valor era demasiado largo o no está permitido. Vuelva atrás y revise el formulario.",
    "Affected people or group": "Personas o grupo afectados",
    "All cases": "Todos los casos",
    "Answers": "Respuestas",
    "Any": "Cualquiera",
    "Assigned to": "Asignado a",
    "Attachments": "Archivos adjuntos",
    "Back to the cases": "Volver a los casos",
    "Case": "Caso",
    "Case workspace": "Espacio de trabajo de casos",
    "Cases": "Casos",
    "Cleaned copy:": "Copia limpia:",
    "Clear filters": "Quitar filtros",
    "Field": "Campo",
    "Files": "Archivos",
    "Incident type": "Tipo de incidente",
    "Incident types": "Tipos de incidente",
    "Kept only on this laptop, beside the cases; never exported.":
        "Se guarda solo en esta computadora, junto a los casos; nunca se exporta.",
    "Language": "Idioma",
    "Make a cleaned copy for sharing": "Hacer una copia limpia para compartir",
    "Next page": "Página siguiente",
    "No GPS position, device, author or date found.": "No se halló posición GPS, dispositivo, autor ni fecha.",
    "No attachments.": "Sin archivos adjuntos.",
    "No case matches these filters.": "Ningún caso coincide con estos filtros.",
    "No preview for this type of file.": "No hay vista previa para este tipo de archivo.",
    "Not found": "No encontrado",
    "Not saved": "No se guardó",
    "Nothing was saved. Go back, reload the page and try again.":
        "No se guardó nada. Vuelva atrás, recargue la página e inténtelo de nuevo.",
    "Nothing was saved: the form was too large.": "No se guardó nada: el formulario era demasiado grande.",
    "Offline: this workspace runs only on this laptop and sends nothing anywhere. Triage and notes stay in this cases folder and are never exported.":
        "Sin conexión: este espacio de trabajo funciona solo en esta computadora y no envía nada a ningún sitio. "
        "La clasificación y las notas quedan en esta carpeta de casos y nunca se exportan.",
    "Only urgent cases": "Solo casos urgentes",
    "Open the workspace from its link": "Abra el espacio de trabajo desde su enlace",
    "Order": "Orden",
    "Original name": "Nombre original",
    "Pages": "Páginas",
    "Preview of %(name)s (a re-drawn copy, not the original file)":
        "Vista previa de %(name)s (una copia redibujada, no el archivo original)",
    "Previous page": "Página anterior",
    "Private notes": "Notas privadas",
    "Received": "Recibido",
    "Received from": "Recibido desde",
    "Received until": "Recibido hasta",
    "Region": "Región",
    "Revealing metadata": "Metadatos reveladores",
    "Revealing metadata of %(name)s": "Metadatos reveladores de %(name)s",
    "Safe preview: a re-drawn copy without scripts or metadata. The original is never opened here.":
        "Vista previa segura: una copia redibujada sin scripts ni metadatos. El original nunca se abre aquí.",
    "Save triage": "Guardar clasificación",
    "Show cases": "Mostrar casos",
    "Size": "Tamaño",
    "Skip to content": "Saltar al contenido",
    "Something went wrong": "Algo salió mal",
    "Status": "Estado",
    "Tag": "Etiqueta",
    "Tags": "Etiquetas",
    "Tags (separated by commas)": "Etiquetas (separadas por comas)",
    "The folder %(name)s has no readable report.json.": "La carpeta %(name)s no tiene un report.json legible.",
    "The form expired": "El formulario caducó",
    "The request could not be used. Go back and try again.":
        "No se pudo usar la solicitud. Vuelva atrás e inténtelo de nuevo.",
    "The workspace answers only at the address review workspace printed.":
        "El espacio de trabajo solo responde en la dirección que mostró review workspace.",
    "The workspace could not do this. Your cases were not changed.":
        "El espacio de trabajo no pudo hacer esto. Sus casos no cambiaron.",
    "There is no such case or file in this folder.": "No existe ese caso o archivo en esta carpeta.",
    "This cannot be done": "Esto no se puede hacer",
    "Too much text": "Demasiado texto",
    "Triage": "Clasificación",
    "Triage saved.": "Clasificación guardada.",
    "Type found in the content": "Tipo hallado en el contenido",
    "Type its name suggests": "Tipo que sugiere su nombre",
    "Type the reporter's device declared": "Tipo que declaró el dispositivo de quien reporta",
    'In danger now': 'En peligro ahora',
    'Sections': 'Secciones',
    'Statistics': 'Estadísticas',
    'What review stats would publish: only cases whose reporters consented to statistics, only coded answers, small numbers hidden so that nobody can be singled out. Nothing here leaves this laptop.': 'Lo que review stats publicaría: solo casos cuyas personas denunciantes aceptaron las estadísticas, solo respuestas de opción, y las cifras pequeñas ocultas para que nadie pueda ser identificado. Nada de esto sale de esta computadora.',
    'Hide numbers below': 'Ocultar cifras menores que',
    'Show': 'Mostrar',
    'Cases read: %(seen)s. Consenting cases counted: %(counted)s.': 'Casos leídos: %(seen)s. Casos con consentimiento contados: %(counted)s.',
    'Nothing can be shown yet: fewer consenting cases than the number below which cells are hidden.': 'Todavía no se puede mostrar nada: hay menos casos con consentimiento que la cifra por debajo de la cual se ocultan las celdas.',
    'Nothing can be shown: a small number could not be protected by hiding others. Wait for more cases or lower the threshold (never below 2).': 'No se puede mostrar nada: una cifra pequeña no se pudo proteger ocultando otras. Espere a tener más casos o baje el umbral (nunca por debajo de 2).',
    'Chart: %(title)s (the same numbers as the table above)': 'Gráfico: %(title)s (las mismas cifras que la tabla de arriba)',
    'Publishing': 'Publicar',
    'To write the publishable report (HTML, PDF, charts as PNG and SVG, and optional differential privacy), run in a terminal:': 'Para escribir el informe publicable (HTML, PDF, gráficos en PNG y SVG, y privacidad diferencial opcional), ejecute en una terminal:',
    "Urgent": "Urgente",
    "Use the address that review workspace printed in the terminal (it holds a secret that changes at every launch).":
        "Use la dirección que review workspace mostró en la terminal (lleva un secreto que cambia en cada inicio).",
    "Value": "Valor",
    "Warning:": "Atención:",
    "What": "Qué",
    "Where it is": "Dónde está",
    "Words in the report": "Palabras en el reporte",
    "Wrong address": "Dirección equivocada",
    "bytes": "bytes",
    "page %(page)s of %(pages)s": "página %(page)s de %(pages)s",
    "received on %(day)s": "recibido el %(day)s",
}

# The review command (review/cli.py, review/output.py): lower-case, no final period.
ES.update({
    " and %(count)s more": " y %(count)s más",
    " or ": " o ",
    "%(count)s submission(s) are sealed to a key you did not load": "%(count)s envío(s) están cifrados para una llave que no cargó",
    "%(count)s submission(s) could not be imported; see the _failed folder":
        "%(count)s envío(s) no se pudieron importar; vea la carpeta _failed",
    "%(name)s can be read by other users of this laptop; make it private with: chmod 600 %(path)s":
        "otros usuarios de esta computadora pueden leer %(name)s; hágalo privado con: chmod 600 %(path)s",
    "%(name)s has no readable report.json": "%(name)s no tiene un report.json legible",
    "%(name)s: not cleaned: %(why)s": "%(name)s: no se limpió: %(why)s",
    "%(var)s (for automated tests only) supplies the passphrase without a prompt.":
        "%(var)s (solo para pruebas automáticas) da la frase de contraseña sin preguntarla.",
    "(%(count)s revealing field(s) in the original, 0 in the copy)":
        "(%(count)s campo(s) reveladores en el original, 0 en la copia)",
    "Resguardo offline review tool: keep your key, import bundles, read cases.":
        "Herramienta de revisión sin conexión de Resguardo: guarde su llave, importe paquetes, lea casos.",
    "THEIR.secret-key": "SU.secret-key",
    "a .secret-key file; give --key several times to open items sealed to any of them":
        "un archivo .secret-key; repita --key para abrir lo cifrado para cualquiera de ellas",
    "a file could not be read or written": "no se pudo leer o escribir un archivo",
    "a file or folder could not be read or written": "no se pudo leer o escribir un archivo o carpeta",
    "a file with this name already exists and was not overwritten": "ya existe un archivo con este nombre y no se sobrescribió",
    "already imported: %(count)s": "ya importados: %(count)s",
    "an attached file does not match what the report says about it": "un archivo adjunto no coincide con lo que el reporte dice de él",
    "an unexpected internal error (a bug)": "un error interno inesperado (un fallo del programa)",
    "an unexpected internal error happened (%(kind)s)": "ocurrió un error interno inesperado (%(kind)s)",
    "an unreadable envelope header": "una cabecera de sobre ilegible",
    "another reviewer's key may open it; its encrypted copy was kept in the _failed folder, retry with that key":
        "puede abrirlo la llave de otra persona revisora; su copia cifrada quedó en la carpeta _failed, reintente con esa llave",
    "ask the operator for a fresh export of this submission": "pida al operador una nueva exportación de este envío",
    "ask the operator for a fresh export of this submission; its encrypted copy was kept in the _failed folder":
        "pida al operador una nueva exportación de este envío; su copia cifrada quedó en la carpeta _failed",
    "cases in: %(path)s": "casos en: %(path)s",
    "check that you are the laptop's usual user": "compruebe que es el usuario habitual de esta computadora",
    "check that you chose the .secret-key file (not the .public-key file) and that it was copied whole":
        "compruebe que eligió el archivo .secret-key (no el .public-key) y que se copió completo",
    "check that you chose the .tar bundle file; otherwise ask the operator for a fresh export and do not open this file with other tools":
        "compruebe que eligió el paquete .tar; si no, pida al operador una nueva exportación y no abra este archivo con otras herramientas",
    "check the disk and the path": "revise el disco y la ruta",
    "check the name and the path": "revise el nombre y la ruta",
    "choose a folder on a writable disk": "elija una carpeta en un disco donde se pueda escribir",
    "choose a real folder": "elija una carpeta real",
    "choose another name or folder": "elija otro nombre u otra carpeta",
    "choose the file itself": "elija el archivo mismo",
    "date": "fecha",
    "do not rely on this submission; tell the operator; its encrypted copy was kept in the _failed folder":
        "no confíe en este envío; avise al operador; su copia cifrada quedó en la carpeta _failed",
    "error": "error",
    "everything was done (new cases imported, or already there)": "todo se hizo (casos nuevos importados, o ya estaban)",
    "exit codes:": "códigos de salida:",
    "extra data was added after the end of an encrypted file in this submission":
        "se añadieron datos después del final de un archivo cifrado de este envío",
    "failed submissions are kept encrypted in _failed/<submission id>/bundle.tar; see status.json there":
        "los envíos fallidos se guardan cifrados en _failed/<id del envío>/bundle.tar; vea status.json allí",
    "failed: %(count)s": "fallidos: %(count)s",
    "files": "archivos",
    "fingerprint: %(fingerprint)s": "huella:      %(fingerprint)s",
    "folder for the two key files": "carpeta para los dos archivos de llave",
    "free some space, then run the same command again": "libere espacio y vuelva a ejecutar el mismo comando",
    "give ONLY %(public)s to the operator; %(secret)s never leaves this laptop":
        "entregue al operador SOLO %(public)s; %(secret)s nunca sale de esta computadora",
    "hint": "consejo",
    "imported: %(count)s": "importados: %(count)s",
    "importing": "importando",
    "incident types": "tipos de incidente",
    "items/%(item)s is in the bundle but not in its manifest; it was not imported":
        "items/%(item)s está en el paquete pero no en su manifiesto; no se importó",
    "its encrypted copy was kept in the _failed folder": "su copia cifrada quedó en la carpeta _failed",
    "keep this terminal open while you work; press Ctrl-C to close the workspace":
        "deje esta terminal abierta mientras trabaja; pulse Ctrl-C para cerrar el espacio de trabajo",
    "keygen: the new passphrase was refused": "keygen: se rechazó la nueva frase de contraseña",
    "language of coded answers and messages (default: from LANG, else es)":
        "idioma de las respuestas codificadas y los mensajes (por defecto: según LANG; si no, es)",
    "language of report.txt and messages (default: from LANG, else es)":
        "idioma de report.txt y de los mensajes (por defecto: según LANG; si no, es)",
    "language of the pages and messages (default: from LANG, else es)":
        "idioma de las páginas y los mensajes (por defecto: según LANG; si no, es)",
    "make cleaned copies of a case's attachments for sharing": "hacer copias limpias de los adjuntos de un caso para compartir",
    "make your reviewer keypair (on the air-gapped laptop)": "crear su par de llaves de revisión (en la computadora aislada)",
    "metadata survived cleaning, so the copy was deleted": "quedaron metadatos tras la limpieza, así que la copia se borró",
    "needs key %(who)s: %(count)s submission(s): %(list)s": "necesita la llave %(who)s: %(count)s envío(s): %(list)s",
    "new passphrase for your secret key: ": "nueva frase de contraseña para su llave secreta: ",
    "no case matches": "ningún caso coincide",
    "no cases yet": "todavía no hay casos",
    "no passphrase was typed (the input ended)": "no se escribió ninguna frase de contraseña (la entrada terminó)",
    "nothing half-done was kept; run the same command again to continue":
        "no quedó nada a medias; vuelva a ejecutar el mismo comando para continuar",
    "one case folder (OUTDIR/<day>_<id>)": "una carpeta de caso (OUTDIR/<día>_<id>)",
    "only cases flagged urgent": "solo casos marcados como urgentes",
    "only cases whose text has all these words": "solo casos cuyo texto tiene todas estas palabras",
    "only cases with this tag": "solo casos con esta etiqueta",
    "only cases with this triage status": "solo casos con este estado de clasificación",
    "only images and PDFs can be cleaned; share this file only after checking it by hand":
        "solo se pueden limpiar imágenes y PDF; comparta este archivo solo después de revisarlo a mano",
    "only print the address, do not open a browser": "solo mostrar la dirección, sin abrir un navegador",
    "only the N-th attachment (1 = first)": "solo el adjunto número N (1 = el primero)",
    "only this incident type (code)": "solo este tipo de incidente (código)",
    "only this region (code)": "solo esta región (código)",
    "open the case workspace in this laptop's browser (offline)":
        "abrir el espacio de trabajo de casos en el navegador de esta computadora (sin conexión)",
    "order (default: urgency)": "orden (por defecto: urgencia)",
    "part of this submission does not start like a resguardo encrypted file":
        "una parte de este envío no empieza como un archivo cifrado de Resguardo",
    "part of this submission failed its integrity check: it was damaged or altered":
        "una parte de este envío no pasó la verificación de integridad: se dañó o se alteró",
    "part of this submission is cut short (the encrypted file is incomplete)":
        "una parte de este envío está cortada (el archivo cifrado está incompleto)",
    "part of this submission is missing from the bundle": "falta una parte de este envío en el paquete",
    "part of this submission was made by a newer version of resguardo":
        "una parte de este envío la hizo una versión más nueva de Resguardo",
    "passphrase for %(name)s: ": "frase de contraseña de %(name)s: ",
    "passphrase for your secret key: ": "frase de contraseña de su llave secreta: ",
    "please tell the person who maintains this laptop; your files were not changed beyond what was reported":
        "avise a quien mantiene esta computadora; sus archivos no cambiaron más allá de lo indicado",
    "protecting the secret key with your passphrase (a few seconds)":
        "protegiendo la llave secreta con su frase de contraseña (unos segundos)",
    "public key:  %(path)s": "llave pública: %(path)s",
    "read the fingerprint aloud with the operator (in person or by phone) and check that it matches what the server shows for your key":
        "lea la huella en voz alta con el operador (en persona o por teléfono) y compruebe que coincide con la que el servidor muestra para su llave",
    "read the passphrase from a file (scripts)": "leer la frase de contraseña de un archivo (scripts)",
    "region": "región",
    "remember the passphrase: without it the key, and every report sealed to it, is lost":
        "recuerde la frase de contraseña: sin ella se pierden la llave y todos los reportes cifrados para ella",
    "run the command again and type the same passphrase twice":
        "vuelva a ejecutar el comando y escriba la misma frase de contraseña dos veces",
    "run the same command again and type the passphrase at the prompt":
        "vuelva a ejecutar el mismo comando y escriba la frase de contraseña cuando se le pida",
    "secret key:  %(path)s": "llave secreta: %(path)s",
    "see docs/REVIEWING.md for the step-by-step workflow.": "vea docs/REVIEWING.es.md para el procedimiento paso a paso.",
    "see review --help": "vea review --help",
    "show the cases in an output folder": "mostrar los casos de una carpeta de salida",
    "some submissions could not be imported; the others were": "algunos envíos no se pudieron importar; los demás sí",
    "status": "estado",
    "stopped": "detenido",
    "stopped with Ctrl-C, or a helper process of the import stopped":
        "detenido con Ctrl-C, o se detuvo un proceso auxiliar de la importación",
    "a helper process of the import stopped (the laptop may be short of memory)":
        "se detuvo un proceso auxiliar de la importación (puede que a la computadora le falte memoria)",
    "nothing half-done was kept; close other programs, then run the same command again to continue":
        "no quedó nada a medias; cierre otros programas y vuelva a ejecutar el mismo comando para continuar",
    "the attachment is missing": "falta el adjunto",
    "the bundle is damaged or unsafe; nothing was decrypted": "el paquete está dañado o no es seguro; no se descifró nada",
    "the bundle was damaged on the way or altered; ask the operator for a fresh export of this submission":
        "el paquete se dañó en el camino o fue alterado; pida al operador una nueva exportación de este envío",
    "the bundle was made by a newer version of Resguardo": "el paquete lo hizo una versión más nueva de Resguardo",
    "the case has %(count)s attachment(s)": "el caso tiene %(count)s adjunto(s)",
    "the command was typed wrongly": "el comando se escribió mal",
    "the disk is full": "el disco está lleno",
    "the disk is read-only": "el disco es de solo lectura",
    "the file could not be read (damaged, or not what it claims)": "no se pudo leer el archivo (dañado, o no es lo que dice ser)",
    "the folder that holds the case folders": "la carpeta que contiene las carpetas de casos",
    "the originals are unchanged and stay as evidence; share only the cleaned copies":
        "los originales no cambian y quedan como evidencia; comparta solo las copias limpias",
    "the passphrase does not unlock the secret key": "la frase de contraseña no abre la llave secreta",
    "the passphrase does not unlock this secret key": "la frase de contraseña no abre esta llave secreta",
    "the resguardo-bundle-….tar file": "el archivo resguardo-bundle-….tar",
    "the secret key file is damaged, altered or not a key file": "el archivo de llave secreta está dañado, alterado o no es una llave",
    "the secret key file is damaged, from a newer version, or not a resguardo secret key":
        "el archivo de llave secreta está dañado, es de una versión más nueva o no es una llave secreta de Resguardo",
    "the two passphrases you typed are different": "las dos frases de contraseña que escribió son distintas",
    "there is no such file or folder": "no existe ese archivo o carpeta",
    "this bundle file is cut short (an interrupted copy?); the complete submissions will still be imported":
        "este paquete está cortado (¿una copia interrumpida?); los envíos completos se importarán igual",
    "this bundle is not for the key you loaded (%(mine)s): none of its %(count)s submission(s) is sealed to it; nothing was decrypted or copied":
        "este paquete no es para la llave que cargó (%(mine)s): ninguno de sus %(count)s envío(s) está cifrado para ella; no se descifró ni copió nada",
    "this bundle was made by a newer version of resguardo": "este paquete lo hizo una versión más nueva de Resguardo",
    "this bundle's list of recipients does not name the key(s) you loaded":
        "la lista de destinatarios de este paquete no nombra la(s) llave(s) que cargó",
    "this case has no attachments": "este caso no tiene adjuntos",
    "this command cannot be used as typed": "este comando no se puede usar tal como se escribió",
    "this file is not a usable resguardo bundle, or contains something unsafe; nothing was decrypted":
        "este archivo no es un paquete de Resguardo utilizable, o contiene algo inseguro; no se descifró nada",
    "this is a folder, not a file": "esto es una carpeta, no un archivo",
    "this is not a folder (or is a link to one)": "esto no es una carpeta (o es un enlace a una)",
    "this passphrase is too easy to guess to protect a secret key":
        "esta frase de contraseña es demasiado fácil de adivinar para proteger una llave secreta",
    "%(var)s is set but ignored (it is only for automated tests); type the passphrase instead":
        "%(var)s está definida pero no se usa (solo sirve para pruebas automáticas); escriba la frase de contraseña",
    "this report opened but its contents are not in the expected form": "este reporte se abrió pero su contenido no tiene la forma esperada",
    "this report was written by a newer version of resguardo": "este reporte lo escribió una versión más nueva de Resguardo",
    "this secret key file asks for protection settings no genuine key file uses, so it was not used":
        "este archivo de llave secreta pide ajustes de protección que ninguna llave auténtica usa, así que no se usó",
    "this submission could not be imported": "este envío no se pudo importar",
    "this submission does not match the bundle's list of contents (size or checksum)":
        "este envío no coincide con la lista de contenidos del paquete (tamaño o suma de verificación)",
    "this submission was not encrypted to your key": "este envío no se cifró para su llave",
    "type it again slowly, check caps lock and the keyboard layout; it is the passphrase chosen at review keygen":
        "escríbala de nuevo despacio, revise las mayúsculas y la distribución del teclado; es la frase elegida en review keygen",
    "update the review tool and import again; its encrypted copy was kept in the _failed folder":
        "actualice la herramienta de revisión e importe de nuevo; su copia cifrada quedó en la carpeta _failed",
    "update the review tool on this laptop, then import again": "actualice la herramienta de revisión en esta computadora e importe de nuevo",
    "update the review tool, or tell the operator; its encrypted copy was kept in the _failed folder":
        "actualice la herramienta de revisión, o avise al operador; su copia cifrada quedó en la carpeta _failed",
    "use a diceware passphrase: six or more random words from a word list, chosen with dice, e.g. 'ladder quiet mango ferry olive sprint'":
        "use una frase diceware: seis o más palabras al azar de una lista, elegidas con dados, p. ej. 'escalera quieto mango balsa olivo carrera'",
    "use the secret key file that review keygen made; this copy may have been altered":
        "use el archivo de llave secreta que hizo review keygen; esta copia pudo ser alterada",
    "verify and decrypt a bundle into case folders": "verificar y descifrar un paquete en carpetas de casos",
    "warning": "aviso",
    "workspace closed": "espacio de trabajo cerrado",
    "whoever holds that key imports them with: %(command)s (cases already imported are skipped; --key may be given several times)":
        "quien tenga esa llave los importa con: %(command)s (los casos ya importados se omiten; --key se puede repetir)",
    "you do not have permission to use this file or folder": "no tiene permiso para usar este archivo o carpeta",
    "your name or role, used as the file name (default: reviewer)": "su nombre o rol, usado como nombre de archivo (por defecto: reviewer)",
    "coded answers of consenting cases as CSV and JSONL": "respuestas codificadas de los casos con consentimiento, en CSV y JSONL",
    "folder for dataset.csv and dataset.jsonl": "carpeta para dataset.csv y dataset.jsonl",
    "language of the messages (default: from LANG, else es)": "idioma de los mensajes (por omisión: según LANG; si no, es)",
    "publishable tables, charts and report of consenting cases": "tablas, gráficos e informe publicables de los casos con consentimiento",
    "folder for report.html, tables and charts": "carpeta para report.html, las tablas y los gráficos",
    "hide cells below this many cases (default %(k)s, at least 2)": "ocultar las celdas con menos casos que este número (por omisión %(k)s, mínimo 2)",
    "add differential-privacy noise with this total epsilon (e.g. 1.0)": "añadir ruido de privacidad diferencial con este épsilon total (p. ej. 1.0)",
    "language of the labels and messages (default: from LANG, else es)": "idioma de las etiquetas y los mensajes (por omisión: según LANG; si no, es)",
    "the source line under each chart and table": "la línea de fuente bajo cada gráfico y tabla",
    "also write report.pdf (needs WeasyPrint)": "escribir también report.pdf (necesita WeasyPrint)",
    "cases read: %(count)s": "casos leídos: %(count)s",
    "consenting cases written: %(count)s": "casos con consentimiento escritos: %(count)s",
    "consenting cases counted: %(count)s": "casos con consentimiento contados: %(count)s",
    "cells hidden: %(count)s": "celdas ocultas: %(count)s",
    "epsilon total: %(epsilon)s": "épsilon total: %(epsilon)s",
    "report: %(path)s": "informe: %(path)s",
    "--k must be at least 2": "--k debe ser al menos 2",
    "--epsilon must be a positive number": "--epsilon debe ser un número positivo",
    "nothing was published: only %(count)s consenting cases, at least %(k)s are needed":
        "no se publicó nada: solo %(count)s casos con consentimiento; se necesitan al menos %(k)s",
    "nothing was published: a small cell could not be protected by hiding others":
        "no se publicó nada: una celda pequeña no se pudo proteger ocultando otras",
    "publish later, when more consenting cases are in, or lower --k (never below 2)":
        "publique más adelante, cuando haya más casos con consentimiento, o baje --k (nunca por debajo de 2)",
})

# zxcvbn's warnings and suggestions on a new passphrase (review/passphrase.py, ZXCVBN_FEEDBACK)
ES.update({
    "Straight rows of keys are easy to guess.": "Las filas seguidas de teclas son fáciles de adivinar.",
    "Short keyboard patterns are easy to guess.": "Los patrones cortos de teclado son fáciles de adivinar.",
    'Repeats like "aaa" are easy to guess.': 'Las repeticiones como "aaa" son fáciles de adivinar.',
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        'Las repeticiones como "abcabcabc" son apenas un poco más difíciles de adivinar que "abc".',
    'Sequences like "abc" or "6543" are easy to guess.': 'Las secuencias como "abc" o "6543" son fáciles de adivinar.',
    "Recent years are easy to guess.": "Los años recientes son fáciles de adivinar.",
    "Dates are often easy to guess.": "Las fechas suelen ser fáciles de adivinar.",
    "This is a top-10 common password.": "Es una de las 10 contraseñas más comunes.",
    "This is a top-100 common password.": "Es una de las 100 contraseñas más comunes.",
    "This is a very common password.": "Es una contraseña muy común.",
    "This is similar to a commonly used password.": "Se parece a una contraseña de uso común.",
    "A word by itself is easy to guess.": "Una palabra sola es fácil de adivinar.",
    "Names and surnames by themselves are easy to guess.": "Los nombres y apellidos solos son fáciles de adivinar.",
    "Common names and surnames are easy to guess.": "Los nombres y apellidos comunes son fáciles de adivinar.",
    "Use a few words, avoid common phrases.": "Use varias palabras y evite las frases comunes.",
    "No need for symbols, digits, or uppercase letters.": "No hacen falta símbolos, números ni mayúsculas.",
    "Add another word or two. Uncommon words are better.":
        "Agregue una o dos palabras más. Las palabras poco comunes son mejores.",
    "Use a longer keyboard pattern with more turns.": "Use un patrón de teclado más largo y con más giros.",
    "Avoid repeated words and characters.": "Evite las palabras y los caracteres repetidos.",
    "Avoid sequences.": "Evite las secuencias.",
    "Avoid recent years.": "Evite los años recientes.",
    "Avoid years that are associated with you.": "Evite los años relacionados con usted.",
    "Avoid dates and years that are associated with you.": "Evite las fechas y los años relacionados con usted.",
    "Capitalization doesn't help very much.": "Poner mayúsculas no ayuda mucho.",
    "All-uppercase is almost as easy to guess as all-lowercase.":
        "Todo en mayúsculas es casi tan fácil de adivinar como todo en minúsculas.",
    "Reversed words aren't much harder to guess.": "Las palabras al revés no son mucho más difíciles de adivinar.",
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        "Los reemplazos previsibles, como '@' en lugar de 'a', no ayudan mucho.",
})

try:  # run as a script (tools/ on sys.path) or imported as tools.review_translations_es
    from review_translations_es_replies import ES_REPLIES  # noqa: E402
except ImportError:
    from tools.review_translations_es_replies import ES_REPLIES  # noqa: E402

# argparse's own words (review/argwords.py)
ES.update({
    "usage: ": "uso: ",
    "positional arguments": "argumentos",
    "options": "opciones",
    "show this help message and exit": "mostrar esta ayuda y salir",
    "%(prog)s: error: %(message)s\n": "%(prog)s: error: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "opción no válida: %(value)r (elija entre %(choices)s)",
    "invalid %(type)s value: %(value)r": "valor no válido (%(type)s): %(value)r",
    "the following arguments are required: %s": "faltan estos argumentos obligatorios: %s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "expected one argument": "falta su valor",
    "expected at least one argument": "se esperaba al menos un valor",
    "expected at most one argument": "se esperaba un valor como mucho",
    "ambiguous option: %(option)s could match %(matches)s": "opción ambigua: %(option)s puede ser %(matches)s",
    "not allowed with argument %s": "no se permite junto con el argumento %s",
    "one of the arguments %s is required": "se necesita uno de los argumentos %s",
})

ES.update(ES_REPLIES)

try:
    from review_translations_es_backup import ES_BACKUP  # noqa: E402
except ImportError:
    from tools.review_translations_es_backup import ES_BACKUP  # noqa: E402

ES.update(ES_BACKUP)
