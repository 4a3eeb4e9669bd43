"""Spanish for the review tool's return path (replies, acknowledgements, return
bundles, follow-ups, in the command and the workspace); merged into ES."""

ES_REPLIES = {
    # Replies, acknowledgements, return bundles, follow-ups (review/replies, review/followups.py)
    "a copy of the text is in %(path)s; send it with: review return-bundle %(outdir)s --key ORG.signing-secret-key --out USB_FOLDER":
        "hay una copia del texto en %(path)s; envíela con: review return-bundle %(outdir)s --key ORG.signing-secret-key --out CARPETA_USB",
    "case %(case)s is now in progress": "el caso %(case)s ahora está en curso",
    "case %(case)s keeps its triage status: the triage store in %(path)s could not be written":
        "el caso %(case)s conserva su estado de clasificación: no se pudo escribir el registro de clasificación en %(path)s",
    "The case is now in progress.": "El caso ahora está en curso.",
    "case %(case)s marked as read: %(count)s submission(s) queued": "caso %(case)s marcado como leído: %(count)s envío(s) en cola",
    "case %(case)s was already marked as read; nothing new to queue":
        "el caso %(case)s ya estaba marcado como leído; no hay nada nuevo que poner en cola",
    "cases marked as read: %(count)s submission(s)": "casos marcados como leídos: %(count)s envío(s)",
    "folder to write the return bundle in (e.g. the USB stick)": "carpeta donde escribir el paquete de respuesta (p. ej. la memoria USB)",
    "follow-ups filed into their cases: %(count)s": "seguimientos archivados en sus casos: %(count)s",
    "give ONLY %(public)s to the operator (the server checks return bundles with it); %(secret)s never leaves this laptop":
        "entregue SOLO %(public)s al operador (el servidor verifica con ella los paquetes de respuesta); %(secret)s nunca sale de esta computadora",
    "give this file to the operator, who runs: resguardo import-return %(name)s":
        "entregue este archivo al operador, que ejecuta: resguardo import-return %(name)s",
    "language of messages (default: from LANG, else es)": "idioma de los mensajes (por defecto: el de LANG; si no, es)",
    "make the organisation's reply-signing key instead (signs return bundles)":
        "crear en su lugar la llave de firma de respuestas de la organización (firma los paquetes de respuesta)",
    "mark a case as read, so the server deletes its encrypted copy":
        "marcar un caso como leído, para que el servidor borre su copia cifrada",
    "new passphrase for the signing key: ": "nueva frase de contraseña para la llave de firma: ",
    "no text editor could be opened for the reply; nothing was queued":
        "no se pudo abrir un editor de texto para la respuesta; no se puso nada en cola",
    "nothing to send: no reply or acknowledgement is queued": "nada que enviar: no hay respuestas ni casos leídos en cola",
    "passphrase for the signing key: ": "frase de contraseña de la llave de firma: ",
    "protecting the signing key with your passphrase (a few seconds)":
        "protegiendo la llave de firma con su frase de contraseña (unos segundos)",
    "replies: %(count)s": "respuestas: %(count)s",
    "reply %(id)s queued for case %(case)s (%(count)s characters, %(language)s)":
        "respuesta %(id)s en cola para el caso %(case)s (%(count)s caracteres, %(language)s)",
    "in Spanish": "en español",
    "in English": "en inglés",
    "reply: the reply was not written (no reply key, empty, too long, no editor)":
        "reply: no se escribió la respuesta (sin llave para responder, vacía, demasiado larga, sin editor)",
    "return bundle: %(path)s": "paquete de respuesta: %(path)s",
    "this is a return bundle (review return-bundle writes it for the intake's 'resguardo import-return'), not an export of reports; nothing was decrypted":
        "este es un paquete de respuesta (lo escribe review return-bundle para «resguardo import-return» en el servidor), no una exportación de denuncias; no se descifró nada",
    "import the resguardo-bundle-….tar file the operator exported; this one goes to the operator":
        "importe el archivo resguardo-bundle-….tar que exportó el operador; este se entrega al operador",
    "shorten it, or send it as two replies": "acórtela, o envíela en dos respuestas",
    "signing public key: %(path)s": "llave pública de firma: %(path)s",
    "signing secret key: %(path)s": "llave secreta de firma: %(path)s",
    "take the reply from this UTF-8 text file instead of opening your editor":
        "tomar la respuesta de este archivo de texto UTF-8 en lugar de abrir su editor",
    "the language you write the reply in (default: the report's)": "el idioma en que escribe la respuesta (por defecto: el del informe)",
    "the organisation's .signing-secret-key file": "el archivo .signing-secret-key de la organización",
    "the reply is empty; nothing was written or queued": "la respuesta está vacía; no se escribió ni se puso nada en cola",
    "the reply is longer than 20000 characters; nothing was queued":
        "la respuesta tiene más de 20000 caracteres; no se puso nada en cola",
    "the reporter can only be answered through the contact details in the report, if any":
        "solo se puede responder a quien informó por los datos de contacto del informe, si los hay",
    "the server deletes their encrypted copies once it imports the next return bundle":
        "el servidor borra sus copias cifradas cuando importa el próximo paquete de respuesta",
    "this report carries no key to reply to (it was sent without a receipt, or the key is damaged); nothing was written":
        "este informe no trae ninguna llave para responder (se envió sin comprobante, o la llave está dañada); no se escribió nada",
    "write a reply to the reporter of a case (sealed to their key)":
        "escribir una respuesta a quien informó un caso (sellada con su llave)",
    "write the queued replies and acknowledgements as one signed file for the server":
        "escribir las respuestas y casos leídos en cola como un archivo firmado para el servidor",
    "write the reply and save the file before closing the editor, or give --file":
        "escriba la respuesta y guarde el archivo antes de cerrar el editor, o use --file",
    "write the reply in a text file and give it with --file, or set EDITOR (for example EDITOR=nano)":
        "escriba la respuesta en un archivo de texto y dela con --file, o configure EDITOR (por ejemplo EDITOR=nano)",
    "write the reply in the editor, save and close it; an empty file sends nothing":
        "escriba la respuesta en el editor, guárdela y ciérrelo; un archivo vacío no envía nada",

    # The workspace's replies, acknowledgements and follow-ups (review/workspace/replies.py, case.html)
    "%(count)s attachment(s), in %(path)s": "%(count)s adjunto(s), en %(path)s",
    "(no message)": "(sin mensaje)",
    "Choose the language of the reply.": "Elija el idioma de la respuesta.",
    "Follow-up %(number)s": "Seguimiento %(number)s",
    "Follow-ups from the reporter": "Seguimientos de quien informó",
    "Language of the reply": "Idioma de la respuesta",
    "Mark as read (the server then deletes its encrypted copy)": "Marcar como leído (el servidor borra entonces su copia cifrada)",
    "Marked as read. The server deletes its encrypted copy once it imports the next return bundle.":
        "Marcado como leído. El servidor borra su copia cifrada cuando importa el próximo paquete de respuesta.",
    "No replies yet.": "Todavía no hay respuestas.",
    "Replies to the reporter": "Respuestas a quien informó",
    "Reply not sent": "Respuesta no enviada",
    "Reply sealed and queued. It leaves with the next return bundle.":
        "Respuesta sellada y en cola. Sale con el próximo paquete de respuesta.",
    "Reply written on %(day)s": "Respuesta escrita el %(day)s",
    "Seal and queue the reply": "Sellar y poner en cola la respuesta",
    "The reply could not be written.": "No se pudo escribir la respuesta.",
    "The reply is empty. Go back and write it.": "La respuesta está vacía. Vuelva atrás y escríbala.",
    "The reply is longer than 20000 characters. Go back and shorten it.":
        "La respuesta tiene más de 20000 caracteres. Vuelva atrás y acórtela.",
    "This case is marked as read.": "Este caso está marcado como leído.",
    "This report carries no key to reply to: it was sent without a receipt.":
        "Este informe no trae ninguna llave para responder: se envió sin comprobante.",
    "Your reply (only the reporter can read it, with their receipt)":
        "Su respuesta (solo quien informó puede leerla, con su comprobante)",
    "sent in a return bundle": "enviada en un paquete de respuesta",
    "waiting for the next return bundle": "esperando el próximo paquete de respuesta",
    "%(count)s more replies or acknowledgements are still queued (one bundle holds at most 1000 replies); run the same command again for the next bundle": (
        "quedan %(count)s respuestas o casos leídos más en cola (un paquete lleva como máximo 1000 respuestas); "
        "vuelva a ejecutar el mismo comando para el siguiente paquete"),

    # The case list's follow-ups and replies column (review/workspace/templates/list.html)
    "Follow-ups and replies": "Seguimientos y respuestas",
    "%(count)s follow-up(s)": "%(count)s seguimiento(s)",
    "%(count)s reply(ies) written": "%(count)s respuesta(s) escrita(s)",
    "Marked as read": "Marcado como leído",
    "Not marked as read": "Sin marcar como leído",
}
